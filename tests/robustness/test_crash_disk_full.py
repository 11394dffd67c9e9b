"""A disk that fills up during a scan: a clear stop, nothing half-recorded, a clean re-run.

The home (database and originals) lives on a 3 MB tmpfs that the test mounts,
which needs root (or CAP_SYS_ADMIN); elsewhere the test is skipped. Before the
fix the scan died with a SQLAlchemy traceback ("database or disk is full"), the
failing write of the run's end masking the first error.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.robustness.crash_harness import Outcome, check_store, cli, database, new_home, sha256


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; run as root (CI containers are)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_stops_the_scan_clearly_and_a_rerun_finishes_it(
    tmp_path: Path, small_disk: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    rng = np.random.default_rng(22)
    paths = []
    for i in range(12):  # about 360 kB each, stored as originals: more than the disk holds
        path = media / f"noise{i:02}.jpg"
        Image.fromarray(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)).save(path, quality=95)
        paths.append(path)
    home = new_home(small_disk / "home")
    args = ["--workers", "1", "scan", "--json", str(media)]

    full = cli(home, *args)

    assert full.returncode == 3, full.stderr[-2000:]
    assert "no space left on the disk" in full.stderr and "run the same scan again" in full.stderr
    assert "Traceback" not in full.stderr
    reported = [json.loads(line)["sha256"] for line in full.stdout.splitlines() if line.strip()]
    assert 0 < len(reported) < len(paths)
    with database(home) as db:
        recorded = {row[0] for row in db.execute("SELECT sha256 FROM media")}
    assert set(reported) <= recorded  # every file reported was recorded

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = cli(home, *args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(again.stdout.splitlines()) == len(paths)
    outcome = Outcome("disk full", 0)
    check_store(outcome, home, {sha256(p) for p in paths})
    assert outcome.problems == []
