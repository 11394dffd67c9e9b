"""The three extension points, exactly as docs/extending.md shows them, from one throwaway package.

The package is written to a temporary folder the way ``pip install`` leaves a
distribution (one module plus a ``.dist-info`` with an ``idolguard`` entry
point) and put on ``PYTHONPATH`` for real ``idolguard`` processes. It adds a
signal, a source connector and a notice regime; nothing in IdolGuard is edited,
and each appears wherever a built-in one does on the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import sample

MODULE = "idolguard_example_plugin"
PLUGIN = '''
"""An example plug-in: a signal, a connector and a regime (docs/extending.md)."""

from typing import Any, ClassVar

from idolguard.hookspecs import hookimpl
from idolguard.media import MediaType
from idolguard.notices.regimes.base import Regime
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.sources.connectors.base import Connector, Option, Poll


class FileSizeSignal(Signal):
    """How big the file is, in megabytes (an example of a content signal)."""

    name = "file_size"
    version = "1"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    description = "file size in MB (example plug-in)"

    def analyse(self, item: AnalysisItem) -> JSONDict:
        return {"score": round(item.size_bytes / 1e6, 6)}


class GuestbookConnector(Connector):
    kind: ClassVar[str] = "guestbook"
    description: ClassVar[str] = "a guestbook's entries (example plug-in)"
    options: ClassVar[tuple[Option, ...]] = (Option("url", "the guestbook", required=True),)

    def poll(self, cursor: Any, web: Any) -> Poll:
        return Poll(found=[], cursor={})


UK_OSA = Regime(
    key="uk_osa",
    name_en="UK Online Safety Act content report",
    name_ko="영국 온라인안전법 콘텐츠 신고",
    short_en="UK Online Safety Act",
    short_ko="영국 온라인안전법",
    law="Online Safety Act 2023",
    use_when_en="Illegal content on a user-to-user service with UK users.",
    use_when_ko="영국 이용자가 있는 서비스의 불법 콘텐츠.",
    required=("signer_name", "contact_email", "location", "explanation"),
    intro=("{platform} 담당자께,", "To {platform},"),
    closing=("조치 결과를 알려 주십시오.", "Please tell me what you did about it."),
)


@hookimpl
def idolguard_signals(context):
    return [FileSizeSignal()]


@hookimpl
def idolguard_connectors():
    return [GuestbookConnector]


@hookimpl
def idolguard_regimes():
    return [UK_OSA]
'''


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for ``idolguard`` processes that see the installed example plug-in."""
    site = tmp_path_factory.mktemp("site-packages")
    (site / f"{MODULE}.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "idolguard_example_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: idolguard-example-plugin\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(f"[idolguard]\nexample = {MODULE}\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    env["IDOLGUARD_HOME"] = str(tmp_path_factory.mktemp("home"))
    env["COLUMNS"] = "200"
    return env


def idolguard(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "idolguard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_plugin_signal_is_listed_and_runs_in_a_scan(plugin_env: dict[str, str]) -> None:
    assert "file_size" in idolguard(plugin_env, "signals")
    line = idolguard(plugin_env, "scan", str(sample("rocket.jpg")), "--json").splitlines()[0]
    record = json.loads(line)
    expected = round(sample("rocket.jpg").stat().st_size / 1e6, 6)
    assert record["signals"]["file_size"]["score"] == expected


def test_a_plugin_connector_is_a_source_kind(plugin_env: dict[str, str]) -> None:
    assert "guestbook: a guestbook's entries" in idolguard(plugin_env, "sources", "kinds")


def test_a_plugin_regime_is_offered(plugin_env: dict[str, str]) -> None:
    regimes = json.loads(idolguard(plugin_env, "notice", "regimes", "--json"))
    assert "uk_osa" in [r["key"] for r in regimes]
