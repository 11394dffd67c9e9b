"""Scratch copies a killed process left behind are removed by a later run, and only those."""

from __future__ import annotations

import os
import time
from pathlib import Path

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
    from idolguard.storage.blobs import BlobStore

    tmp_path.mkdir(exist_ok=True)
    half = tmp_path / ".incoming-abc"
    half.write_bytes(b"half an original")
    old = time.time() - STALE_AFTER.total_seconds() - 60
    os.utime(half, (old, old))
    fresh = tmp_path / ".incoming-def"  # another process is writing it now
    fresh.write_bytes(b"x")
    BlobStore(tmp_path)
    assert not half.exists() and fresh.exists()
