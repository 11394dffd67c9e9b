"""Crash safety, long run: SIGKILL the real CLI at many random points per path.

Reproduce (repository root, after scripts/bootstrap):

    PYTHONPATH=src:. .venv/bin/python benchmarks/crash_kill.py --kill-points 20 --seeds 1 2 3

For each path (``scan``, ``bank add``, ``watch --once`` against a loopback feed, uploads)
and each seed, the command is killed ``--kill-points`` times at seeded random
delays (new work is added before each kill), then re-run to the end. The checks
are those of ``tests/robustness/test_crash_kill.py`` (see
``tests/robustness/crash_harness.py``): every input recorded once, no original or
manifest duplicated, ``idolguard evidence check`` and ``idolguard audit verify``
clean, no scan left "running". Prints one line per path and seed, and a total;
exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.robustness.crash_harness import PATHS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-points", type=int, default=20, help="kills per path and seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--paths", nargs="+", choices=sorted(PATHS), default=sorted(PATHS))
    args = parser.parse_args()
    failed = kills = alive = 0
    for name in args.paths:
        for seed in args.seeds:
            start = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="crash-kill-") as work:
                outcome = PATHS[name](Path(work), seed, args.kill_points)
            kills += len(outcome.delays)
            alive += outcome.killed_alive
            failed += bool(outcome.problems)
            print(
                f"{name:9} seed {seed:3}: {len(outcome.delays)} kills, "
                f"{outcome.killed_alive} mid-run, {outcome.kept} kept before the re-run, "
                f"{'OK' if not outcome.problems else 'FAILED'} "
                f"({time.monotonic() - start:.0f} s)"
            )
            for problem in outcome.problems:
                print(f"    {problem}  [kills at {outcome.delays} s]")
    print(f"total: {kills} kills ({alive} mid-run), {failed} path run(s) with lost or doubled work")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
