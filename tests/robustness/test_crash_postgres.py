"""Scope 3: PostgreSQL restarted (or gone) mid-scan: a pause or a clear stop, nothing lost.

The test starts a PostgreSQL server of its own (its own data folder and port) so
that it may stop and restart it; the suite's shared test server is never touched.
Skipped where the PostgreSQL server programs are not installed.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.crash_harness import make_images, sha256

pytestmark = pytest.mark.postgres


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    for folder in [*reversed(found), *(str(Path(p).parent) for p in [shutil.which("initdb")] if p)]:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class OwnPostgres:
    """A throw-away server: initdb in a temporary folder, on a free port, trust auth."""

    def __init__(self, folder: Path) -> None:
        bindir = _bin()
        if bindir is None:
            pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
        self.bin, self.data = bindir, folder / "pgdata"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                pytest.skip("running as root without a 'postgres' user")
            self.run_as = ["runuser", "-u", "postgres", "--"]
            folder.chmod(0o755)
        self.data.mkdir()
        if self.run_as:
            shutil.chown(self.data, "postgres")
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "idolguard")
        self.start()
        self._pg(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "idolguard", "scan_test"
        )
        self.url = f"postgresql://idolguard@127.0.0.1:{self.port}/scan_test"

    def _pg(self, program: str, *args: str, check: bool = True) -> None:
        done = subprocess.run(
            [*self.run_as, str(self.bin / program), *args], capture_output=True, text=True
        )
        assert done.returncode == 0 or not check, f"{program}: {done.stdout} {done.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data / "server.log")
        self._pg("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    # Not under pytest's tmp_path: its parents are private to this user, and the server
    # runs as 'postgres' when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="idolguard-own-pg-"))
    server = OwnPostgres(folder)
    try:
        yield server
    finally:
        server.stop(mode="immediate", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _env(home: Path, url: str) -> dict[str, str]:
    env = {**os.environ, "IDOLGUARD_HOME": str(home), "IDOLGUARD_DATABASE_URL": url}
    env.pop("IDOLGUARD_CONFIG", None)
    return env


def _media(home: Path, url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as db:
            rows = db.execute(text("SELECT sha256, 1 FROM media")).all()
            doubles = db.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT media_sha256 FROM analysis_result GROUP BY "
                    "media_sha256, signal, signal_version HAVING COUNT(*) > 1) AS d"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert doubles == 0
    return {sha: n for sha, n in rows}


def test_a_restart_mid_scan_is_a_pause_and_every_file_is_recorded_once(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    images = make_images(tmp_path / "media", 24, seed=5)
    home = tmp_path / "home"
    home.mkdir()
    command = [sys.executable, "-m", "idolguard", "--workers", "1", "scan", "--json", "-s", "pdq"]
    scan = subprocess.Popen(
        [*command, str(tmp_path / "media")],
        env=_env(home, own_postgres.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert scan.stdout is not None and scan.stderr is not None
    lines = [scan.stdout.readline()]  # the scan is under way
    own_postgres.stop()
    time.sleep(2.0)  # the scan meets a server that is not there, and waits
    own_postgres.start()
    lines += scan.stdout.readlines()
    stderr = scan.stderr.read()
    assert scan.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr
    records = [json.loads(line) for line in lines if line.strip()]
    assert sorted(r["path"] for r in records) == sorted(map(str, images))
    assert all(r["error"] is None for r in records), [r["error"] for r in records if r["error"]]
    assert set(_media(home, own_postgres.url)) == {sha256(p) for p in images}


def test_a_database_gone_for_good_stops_the_scan_clearly_and_a_rerun_completes(
    own_postgres: OwnPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from idolguard.interfaces.cli.context import EXIT_SYSTEM
    from idolguard.interfaces.cli.main import app
    from idolguard.pipeline.scan import Scanner
    from idolguard.storage import database

    images = make_images(tmp_path / "media", 8, seed=6)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(database, "RECONNECT_SECONDS", 1.5)  # not a minute, in a test
    real_record = Scanner._record
    calls: list[int] = []

    def stop_at_the_fourth(self: Scanner, scan_id: int, record: object) -> None:
        calls.append(1)
        if len(calls) == 4:
            own_postgres.stop()
        real_record(self, scan_id, record)  # type: ignore[arg-type]

    monkeypatch.setattr(Scanner, "_record", stop_at_the_fourth)
    env = {
        "IDOLGUARD_HOME": str(home),
        "IDOLGUARD_DATABASE_URL": own_postgres.url,
        "IDOLGUARD_CONFIG": None,
        "COLUMNS": "200",
    }
    args = ["--workers", "1", "scan", "--json", "-s", "pdq", str(tmp_path / "media")]
    stopped = CliRunner().invoke(app, args, env=env)
    assert stopped.exit_code == EXIT_SYSTEM, stopped.output
    assert not isinstance(stopped.exception, Exception) or isinstance(
        stopped.exception, SystemExit
    ), stopped.exception
    assert "database server stopped answering" in stopped.output
    assert "run the same scan again" in stopped.output
    reported = [json.loads(line) for line in stopped.stdout.splitlines() if line.startswith("{")]
    assert len(reported) == 3

    own_postgres.start()
    monkeypatch.setattr(Scanner, "_record", real_record)
    again = CliRunner().invoke(app, args, env=env)
    assert again.exit_code == 0, again.output
    assert set(_media(home, own_postgres.url)) == {sha256(p) for p in images}
