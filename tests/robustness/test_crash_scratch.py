"""Scratch copies a killed process left behind are removed by a later run, and only those."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from idolguard.scratch import STALE_AFTER, sweep_stale


def test_only_old_scratch_with_the_prefix_is_removed(tmp_path: Path) -> None:
    old = time.time() - STALE_AFTER.total_seconds() - 60
    left_file = tmp_path / "report-abc.jpg"
    left_dir = tmp_path / "entry-abc"
    (left_dir / "sub").mkdir(parents=True)
    (left_dir / "sub" / "media.jpg").write_bytes(b"x")
    in_use = tmp_path / "report-new.jpg"  # another process is scanning it right now
    other = tmp_path / "notes.txt"
    for path in (left_file, in_use, other):
        path.write_bytes(b"x")
    for path in (left_file, left_dir, other):
        os.utime(path, (old, old))

    assert sweep_stale(tmp_path, "report-") == 1
    assert sweep_stale(tmp_path, "entry-") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "report-new.jpg"]
    assert sweep_stale(tmp_path / "missing", "entry-") == 0


def test_a_half_written_original_is_removed_when_the_store_opens(tmp_path: Path) -> None:
    """Not by age: a scan re-run a minute after a crash must not leave it in the store."""
    from idolguard.scratch import locked_scratch
    from idolguard.storage.blobs import BlobStore

    half = tmp_path / ".incoming-abc"  # its writer was killed a moment ago: no lock
    half.write_bytes(b"half an original")
    with locked_scratch(tmp_path, ".incoming-") as (_, live):  # being written now
        BlobStore(tmp_path)
        assert not half.exists() and live.exists()


def test_a_fresh_original_of_a_dead_writer_is_removed_and_a_live_writers_is_kept(
    tmp_path: Path,
) -> None:
    """SIGKILL a writer mid-write: its ``.incoming-*`` goes at once; a live one's stays."""
    import signal
    import subprocess
    import sys

    from idolguard.scratch import locked_scratch, sweep_unlocked

    holder = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from idolguard.scratch import locked_scratch\n"
        "with locked_scratch(Path(sys.argv[1]), '.incoming-') as (fd, path):\n"
        "    print(path.name, flush=True)\n"
        "    time.sleep(60)\n"
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", holder, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        names = [w.stdout.readline().strip() for w in writers if w.stdout is not None]
        writers[0].send_signal(signal.SIGKILL)
        writers[0].wait()
        assert sweep_unlocked(tmp_path, ".incoming-") == 1  # no age rule: removed at once
        assert sorted(p.name for p in tmp_path.iterdir()) == [names[1]]
        with locked_scratch(tmp_path, ".incoming-") as (_, mine):  # this process's own lock
            assert sweep_unlocked(tmp_path, ".incoming-") == 0
            assert mine.exists()
        assert not mine.exists()
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()
    assert sweep_unlocked(tmp_path, ".incoming-") == 1


def test_a_writer_whose_file_a_sweeper_removed_before_its_lock_takes_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between ``mkstemp`` and ``flock``: the writer must not write to a lost file."""
    import fcntl

    from idolguard import scratch

    real_flock = fcntl.flock
    swept: list[int] = []

    def flock_after_a_sweep(fd: int, op: int) -> None:
        if not swept and op == fcntl.LOCK_EX:
            swept.append(scratch.sweep_unlocked(tmp_path, ".incoming-"))
        real_flock(fd, op)

    monkeypatch.setattr(scratch.fcntl, "flock", flock_after_a_sweep)
    with scratch.locked_scratch(tmp_path, ".incoming-") as (fd, path):
        assert path.exists() and os.fstat(fd).st_ino == path.stat().st_ino
    assert swept == [1]


def test_the_blob_store_stores_and_leaves_no_scratch(tmp_path: Path) -> None:
    import hashlib
    import io

    from idolguard.storage.blobs import BlobStore

    store = BlobStore(tmp_path)
    digest, new = store.put_stream(io.BytesIO(b"evidence bytes"))
    assert new and digest == hashlib.sha256(b"evidence bytes").hexdigest()
    assert store.put_stream(io.BytesIO(b"evidence bytes")) == (digest, False)
    assert [p.name for p in tmp_path.rglob(".incoming-*")] == []
