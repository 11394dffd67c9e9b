"""A scan leaves no process-pool machinery running behind it (issue 22, found item 5).

``shutdown(wait=False)`` let the pool's manager thread close its wake-up pipe
while the interpreter exited; ``_python_exit`` then wrote to the closed pipe
and printed "Exception ignored ... Bad file descriptor" after about one scan
in eleven. Every pool is now shut down and joined before the scan returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures.process import _ExecutorManagerThread
from pathlib import Path

from idolguard.app import IdolGuard
from idolguard.config import Settings


def _manager_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)]


def test_no_pool_thread_outlives_a_scan_even_after_a_worker_crash(
    sqlite_settings: Settings, samples_dir: Path
) -> None:
    (samples_dir / "truncated.jpg").write_bytes((samples_dir / "coffee.jpg").read_bytes()[:500])
    with IdolGuard(sqlite_settings) as app:
        scanner = app.scanner(signal_names=["pdq"], workers=2)
        records = scanner.run([samples_dir]).records
        assert len(records) == 5
        # Without the join, the manager thread is still shutting down here.
        assert _manager_threads() == []
        scanner.file_timeout = 0.0  # every file overdue: pools are killed, files isolated
        scanner.run([samples_dir])
        assert _manager_threads() == []


def test_repeated_cli_scans_print_nothing_at_exit(tmp_path: Path, samples_dir: Path) -> None:
    # The race hit about one run in eleven: 15 runs, three at a time, each in its own home.
    env = {**os.environ, "IDOLGUARD_WORKERS": "2", "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    command = [sys.executable, "-m", "idolguard", "scan", str(samples_dir), "--signal", "pdq"]
    for batch in range(5):
        runs = [
            subprocess.Popen(
                command,
                env={**env, "IDOLGUARD_HOME": str(tmp_path / f"home{batch}-{i}")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(3)
        ]
        for run in runs:
            _, stderr = run.communicate(timeout=120)
            assert run.returncode == 0, stderr
            assert "Exception ignored" not in stderr, stderr
            assert "Traceback" not in stderr, stderr
