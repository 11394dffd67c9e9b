"""``idolguard serve --workers 2``: two real web processes that count rate limits together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ENV, _reset_postgres

pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post_login(port: int) -> int:
    body = urllib.parse.urlencode({"email": "nobody@x.test", "password": "p" * 12}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/login", data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def test_sign_in_limits_hold_across_web_worker_processes(tmp_path: Path) -> None:
    # One run, on PostgreSQL when the suite has it (the deployment this is for), else SQLite.
    database_url = os.environ.get(POSTGRES_ENV) or f"sqlite:///{tmp_path / 'web.sqlite3'}"
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    port = _free_port()
    command = [sys.executable, "-m", "idolguard", "--home", str(tmp_path / "home")]
    command += ["--database-url", database_url, "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        workers = [p for p in _children(server.pid) if "spawn" in _cmdline(p)]
        assert len(workers) >= 2
        # Ten attempts a minute per address (the default), wherever each one lands.
        answers = [_post_login(port) for _ in range(12)]
        assert answers[:10] == [401] * 10 and answers[10:] == [429, 429], answers
    finally:
        os.kill(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
