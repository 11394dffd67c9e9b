"""Round trip with pytx's own CLI against a running ``idolguard serve`` on 127.0.0.1.

The agency publishes a bank; ``threatexchange`` (the console script, with its
state in a temporary HOME) loads our extension, fetches, and matches a
re-upload; after a withdrawal the next fetch deletes the hash and the match is
gone. Needs the ``exchange`` extra (CI installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image

import idolguard
from idolguard.app import IdolGuard
from idolguard.config import Settings, load_settings
from tests.helpers import sample

pytest.importorskip("threatexchange", reason="needs the exchange extra (threatexchange)")

BANK = "confirmed"


def _tx_command() -> str:
    script = Path(sys.executable).parent / "threatexchange"
    found = str(script) if script.exists() else shutil.which("threatexchange")
    if found is None:
        pytest.skip("pytx's threatexchange console script is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    source = str(Path(idolguard.__file__).resolve().parents[1])
    return {
        **os.environ,
        "HOME": str(tmp_path / "tx-home"),
        "TX_STATEDIR": str(tmp_path / "tx-home" / ".threatexchange"),
        "IDOLGUARD_HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]),
        **extra,
    }


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[str, str, IdolGuard]]:
    """A running ``idolguard serve`` with agency stella's bank published; (url, token, app)."""
    settings: Settings = replace(load_settings(environ={}, home=tmp_path / "home"), workers=1)
    (tmp_path / "tx-home").mkdir()
    control = IdolGuard(settings)
    control.accounts.create_tenant("stella", "Stella Entertainment", actor="test")
    agency = control.tenant("stella")
    agency.banks.add_file(sample("chelsea.jpg"), BANK, content_id="chelsea")
    agency.banks.add_file(sample("rocket.jpg"), BANK, content_id="rocket")
    agency.exchange.publish(BANK, ["ncii", "deepfake"], actor="legal@stella")
    token = agency.exchange_tokens.issue(BANK, "read", "pytx", actor="admin@stella").token
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "idolguard", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    err = server.stderr.read().decode() if server.stderr else ""
                    pytest.fail(f"idolguard serve did not start: {err[-2000:]}")
                time.sleep(0.1)
        yield url, token, agency
    finally:
        server.terminate()
        server.wait(timeout=20)
        control.close()


def _tx(tmp_path: Path, token: str, *args: str) -> str:
    done = subprocess.run(
        [_tx_command(), *args],
        env=_env(tmp_path, IDOLGUARD_EXCHANGE_TOKEN=token),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"threatexchange {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_pytx_cli_fetches_matches_and_sees_withdrawals(
    published: tuple[str, str, IdolGuard], tmp_path: Path
) -> None:
    url, token, agency = published
    _tx(tmp_path, token, "config", "extensions", "add", "idolguard.exchange.pytx_extension")
    _tx(
        tmp_path,
        token,
        "config",
        "collab",
        "edit",
        "idolguard",
        "stella-ncii",
        "--create",
        f"--server={url}",
        "--agency=stella",
        f"--bank={BANK}",
    )
    _tx(tmp_path, token, "fetch")

    # Every published PDQ hash is in pytx's dataset (100 % matchable).
    published_pdq = {r.signal for r in agency.banks.export_records(BANK) if r.signal_type == "pdq"}
    dataset = _tx(tmp_path, token, "dataset", "-P", "-S", "-s", "pdq").split()
    assert published_pdq and published_pdq <= set(dataset)

    reupload = tmp_path / "reupload.jpg"
    with Image.open(sample("chelsea.jpg")) as original:
        small = original.convert("RGB").resize((original.width // 2, original.height // 2))
        small.save(reupload, quality=40)
    matched = _tx(tmp_path, token, "match", "photo", str(reupload))
    assert "stella-ncii" in matched and "POSITIVE_CLASS" in matched, matched
    assert "ncii" in matched

    agency.exchange.withdraw(BANK, content_id="chelsea", actor="legal@stella")
    _tx(tmp_path, token, "fetch")
    assert "stella-ncii" not in _tx(tmp_path, token, "match", "photo", str(reupload))
    still = _tx(tmp_path, token, "match", "photo", str(sample("rocket.jpg")))
    assert "stella-ncii" in still  # the other item is still shared
