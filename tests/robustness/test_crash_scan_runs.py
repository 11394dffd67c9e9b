"""Found item 7: a killed scan stayed "running" in the scan-run table for ever.

A run records its pid, host and a heartbeat; one whose process is gone is marked
"interrupted" by the next scan or when scans are listed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from idolguard.clock import utcnow
from idolguard.storage.analysis_store import STALE_AFTER, AnalysisStore
from idolguard.storage.database import Database
from idolguard.storage.models import ScanRun
from tests.robustness.crash_harness import check_cli, new_home


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _set(db: Database, scan_id: int, **values: object) -> None:
    with db.session() as session:
        session.execute(update(ScanRun).where(ScanRun.id == scan_id).values(**values))


def _status(store: AnalysisStore, scan_id: int) -> str:
    run = store.scan_run(scan_id)
    assert run is not None
    return run.status


def test_a_run_whose_process_is_gone_is_marked_interrupted(database_url: str) -> None:
    db = Database(database_url)
    store = AnalysisStore(db)
    alive = store.start_scan({"paths": ["a"]})
    killed = store.start_scan({"paths": ["b"]})
    _set(db, killed, pid=_dead_pid())
    far_silent = store.start_scan({"paths": ["c"]})
    _set(db, far_silent, host="elsewhere", heartbeat_at=utcnow() - STALE_AFTER - timedelta(1))
    far_fresh = store.start_scan({"paths": ["d"]})
    _set(db, far_fresh, host="elsewhere")
    legacy = store.start_scan({"paths": ["e"]})  # recorded before liveness existed
    _set(db, legacy, pid=None, host=None, heartbeat_at=None, started_at=utcnow() - timedelta(2))
    finished = store.start_scan({"paths": ["f"]})
    store.finish_scan(finished, "finished", {"total": 1})

    listed = {run.id: run.status for run in store.scan_runs()}

    assert listed == {
        alive: "running",  # this very process
        killed: "interrupted",
        far_silent: "interrupted",
        far_fresh: "running",  # another machine's scan that is still heartbeating
        legacy: "interrupted",
        finished: "finished",
    }
    # Marking is idempotent and never touches a finished run.
    assert store.mark_interrupted() == []


def test_the_next_scan_marks_the_dead_run(database_url: str) -> None:
    db = Database(database_url)
    store = AnalysisStore(db)
    killed = store.start_scan({"paths": ["a"]})
    _set(db, killed, pid=_dead_pid())
    assert _status(store, killed) == "running"
    store.start_scan({"paths": ["b"]})
    assert _status(store, killed) == "interrupted"


def test_heartbeat_records_progress_while_running(database_url: str) -> None:
    db = Database(database_url)
    store = AnalysisStore(db)
    scan_id = store.start_scan({"paths": ["a"]})
    _set(db, scan_id, heartbeat_at=utcnow() - timedelta(minutes=5))
    store.heartbeat(scan_id, {"total": 4, "analysed": 2})
    run = store.scan_run(scan_id)
    assert run is not None and run.files_analysed == 2
    assert run.heartbeat_at is not None and utcnow() - run.heartbeat_at < timedelta(minutes=1)
    store.finish_scan(scan_id, "finished", {"analysed": 4})
    store.heartbeat(scan_id, {"analysed": 3})  # a late heartbeat does not undo the end
    run = store.scan_run(scan_id)
    assert run is not None and run.status == "finished" and run.files_analysed == 4


def test_idolguard_scans_lists_a_killed_scan_as_interrupted(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    db = Database(f"sqlite:///{home / 'idolguard.sqlite3'}")
    store = AnalysisStore(db)
    killed = store.start_scan({"paths": ["a"]})
    _set(db, killed, pid=_dead_pid())
    done = store.start_scan({"paths": ["b"]})
    store.finish_scan(done, "finished", {"analysed": 3})
    db.dispose()

    table = check_cli(home, "scans")
    listed = check_cli(home, "scans", "--json")

    assert table.returncode == 0 and "interrupted" in table.stdout and "finished" in table.stdout
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in rows] == [(done, "finished"), (killed, "interrupted")]
    assert rows[0]["files"]["analysed"] == 3
