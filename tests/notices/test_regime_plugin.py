"""A regime from a throwaway plug-in package is offered, drafted and accepted like a built-in one.

The package is one module plus an entry point (``idolguard`` group), written to
a temporary folder put on the path: exactly what ``pip install`` of a third-party
regime leaves behind. Nothing in IdolGuard is edited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from idolguard.config import Settings
from idolguard.hookspecs import hookimpl
from idolguard.notices.compose import compose
from idolguard.notices.directory import DirectoryError, PlatformDirectory
from idolguard.notices.regimes import (
    REGIME_KEYS,
    REGIMES,
    Regime,
    RegimeError,
    discover_regimes,
    get_regime,
    suggest_regimes,
)
from idolguard.plugins import plugin_manager
from tests.domain.takedowns.test_takedowns import DIRECTORY, SENDER
from tests.interfaces.web.conftest import build_web
from tests.interfaces.web.test_notices import _confirmed_case
from tests.notices.test_compose import make_request
from tests.smtp import LoopbackSMTP

MODULE = "throwaway_regime"
PLUGIN = '''
"""A regime IdolGuard does not ship: the UK Online Safety Act report (for the test only)."""

from idolguard.hookspecs import hookimpl
from idolguard.notices.regimes.base import Regime

UK_OSA = Regime(
    key="uk_osa",
    name_en="UK Online Safety Act content report",
    name_ko="영국 온라인안전법 콘텐츠 신고",
    short_en="UK Online Safety Act",
    short_ko="영국 온라인안전법",
    law="Online Safety Act 2023, s. 20",
    use_when_en="Illegal content on a user-to-user service with UK users.",
    use_when_ko="영국 이용자가 있는 서비스의 불법 콘텐츠.",
    required=("signer_name", "contact_email", "location", "explanation"),
    intro=("{platform} 담당자께,\\n\\n영국 온라인안전법에 따라 신고합니다.",
           "To {platform},\\n\\nI report the content below under the Online Safety Act 2023."),
    closing=("조치 결과를 알려 주십시오.", "Please tell me what you did about it."),
    rank=25,
    rank_korean=25,
)


@hookimpl
def idolguard_regimes():
    return [UK_OSA]
'''


def _install(folder: Path) -> Path:
    """Write the plug-in as an installed distribution would lie in site-packages."""
    folder.mkdir()
    (folder / f"{MODULE}.py").write_text(textwrap.dedent(PLUGIN))
    info = folder / "throwaway_regime-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: throwaway-regime\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[idolguard]\nthrowaway = {MODULE}\n")
    return folder


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[Path]:
    """The plug-in installed on ``sys.path`` and the registry re-read; both undone afterwards."""
    folder = _install(tmp_path / "site")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(folder))
        REGIMES.reload()
        try:
            yield folder
        finally:
            sys.modules.pop(MODULE, None)
    REGIMES.reload()


def test_the_registry_offers_a_plugin_regime_after_the_builtins(plugin: Path) -> None:
    assert tuple(REGIME_KEYS) == (
        "take_it_down",
        "dmca",
        "dsa",
        "kr_tba",
        "kcsc",
        "impersonation",
        "uk_osa",
    )
    assert get_regime("uk_osa").law == "Online Safety Act 2023, s. 20"
    # Its rank puts it between the Korean request and the DSA among suggestions.
    suggested = suggest_regimes(
        tuple(REGIME_KEYS), category="intimate", owns_copyright=True, korean=False
    )
    assert suggested == ["take_it_down", "kr_tba", "uk_osa", "dsa", "dmca"]


def test_the_composer_drafts_a_plugin_regime(plugin: Path) -> None:
    notice = compose(make_request("uk_osa", explanation="A face-swapped photo."))
    assert list(notice.fields) == ["signer_name", "contact_email", "location", "explanation"]
    assert "under the Online Safety Act 2023" in notice.body
    assert "영국 온라인안전법에 따라" in notice.body
    assert "Please tell me what you did about it." in notice.body
    assert "UK Online Safety Act content report" in notice.subject


def test_the_directory_takes_a_plugin_regime_only_once_it_is_registered(tmp_path: Path) -> None:
    text = DIRECTORY.format(country="US").replace('"kr_tba"]', '"kr_tba", "uk_osa"]')
    with pytest.raises(DirectoryError, match="not a known regime"):
        PlatformDirectory.from_toml_text(text, "platforms.toml")
    folder = _install(tmp_path / "site")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(folder))
        REGIMES.reload()
        try:
            directory = PlatformDirectory.from_toml_text(text, "platforms.toml")
            platform = directory.get("localhost")
            assert platform is not None
            contact = platform.contact_for("uk_osa")
            assert contact is not None and contact.address == "abuse@loopback.test"
        finally:
            sys.modules.pop(MODULE, None)
    REGIMES.reload()


def test_the_cli_lists_an_installed_plugin_regime(tmp_path: Path) -> None:
    folder = _install(tmp_path / "site")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "IDOLGUARD_HOME": str(tmp_path / "home")}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "idolguard", "notice", "regimes", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    regimes = {r["key"]: r for r in json.loads(result.stdout)}
    assert regimes["uk_osa"]["name"]["en"] == "UK Online Safety Act content report"
    keys = [f["key"] for f in regimes["uk_osa"]["required_fields"]]
    assert keys == ["signer_name", "contact_email", "location", "explanation"]


def test_the_web_api_accepts_a_plugin_regime(
    plugin: Path, settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP
) -> None:
    directory = tmp_path / "platforms.toml"
    directory.write_text(DIRECTORY.format(country="US").replace('"kr_tba"]', '"kr_tba", "uk_osa"]'))
    web = build_web(
        replace(
            settings,
            notices=replace(SENDER, directory_file=str(directory)),
            smtp=smtp_server.settings(),
        )
    )
    try:
        listed = web.api("viewer").get("/api/v1/regimes").json()
        assert listed[-1]["key"] == "uk_osa"
        schema = web.anonymous().get("/api/openapi.json").json()
        assert "uk_osa" in json.dumps(schema["components"]["schemas"]["DraftRequest"])
        _, case = _confirmed_case(web)
        answer = web.api("legal").post(
            "/api/v1/notices",
            json={"case": case, "regime": "uk_osa", "explanation": "A face-swapped photo."},
        )
        assert answer.status_code == 201, answer.text
        [notice] = answer.json()["notices"]
        assert notice["regime"] == "uk_osa" and notice["recipient"] == "abuse@loopback.test"
        page = web.browser("legal").get("/notices")
        assert page.status_code == 200 and "UK Online Safety Act" in page.text
        refused = web.api("legal").post("/api/v1/notices", json={"case": case, "regime": "nope"})
        assert refused.status_code == 422 and "uk_osa" in refused.text
    finally:
        web.close()
        web.installation.close()


class _Twice:
    """A plug-in that offers a regime whose key a built-in already has."""

    @hookimpl
    def idolguard_regimes(self) -> list[Regime]:
        return [replace(get_regime("dsa"), name_en="Another DSA")]


def test_two_regimes_with_one_key_are_refused() -> None:
    manager = plugin_manager(load_entry_points=False)
    manager.register(_Twice())
    with pytest.raises(RegimeError, match="two plug-ins offer a regime with the key 'dsa'"):
        discover_regimes(manager)


def test_builtin_regimes_come_through_the_hook() -> None:
    modules = [
        plugin
        for plugin in plugin_manager(load_entry_points=False).get_plugins()
        if isinstance(plugin, ModuleType)
    ]
    assert "idolguard.notices.regimes.builtin" in {m.__name__ for m in modules}
    assert tuple(REGIMES) == ("take_it_down", "dmca", "dsa", "kr_tba", "kcsc", "impersonation")
