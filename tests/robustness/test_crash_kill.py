"""Scope 3: SIGKILL the real CLI at random points; after a re-run nothing is lost or doubled.

Each path is killed a few times at seeded random delays (the long run,
``benchmarks/crash_kill.py``, does 20 or more per path), then re-run to the end;
the checks are in ``crash_harness``: every input once, no duplicated original or
manifest, ``evidence check`` clean, ``audit verify`` passing, no scan left "running".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.crash_harness import PATHS

KILL_POINTS = 3


@pytest.mark.parametrize(
    ("path", "seed"), [("scan", 7), ("bank-add", 11), ("watch", 13), ("upload", 17)]
)
def test_killed_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, path: str, seed: int
) -> None:
    outcome = PATHS[path](tmp_path, seed, KILL_POINTS)
    assert outcome.problems == [], f"{path}, seed {seed}, kills at {outcome.delays} s"
