"""Long fuzzing run of the scan pipeline with generated hostile media (issue 22).

Not part of the test suite: ``tests/robustness`` runs a small fixed corpus in CI.
This script builds the same kinds of input (a seed of every supported format,
header lies, odd names, special files, then ``--count`` random mutants: bit
flips, header flips, truncation, spliced blocks) from ``--seed``, scans them in
batches through the real pipeline (``IdolGuard(settings).scanner()``, process
pool included), and prints:

* crashes: a batch whose scan raised, or a file whose decoder killed its worker;
* hangs: files stopped for running past the per-file budget (``--budget``);
* unclear: error records with an undocumented code or a programmer's message;
* missing / duplicated: inputs without exactly one record;
* peak RSS of the process tree (this process and its workers, sampled).

Usage::

    PYTHONPATH=src:. python benchmarks/fuzz_media.py --count 10000 --seed 1

Exit status 1 when any crash, hang, unclear message, missing or duplicated
record was found. ``--keep DIR`` leaves the corpus for inspection.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import replace
from pathlib import Path

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.pipeline.records import printable_location
from tests.robustness import corpus


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc (Linux)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as fp:
                total += int(fp.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fp:
                    stack.extend(int(child) for child in fp.read().split())
        except (OSError, ValueError):
            continue
    return total


class PeakSampler(threading.Thread):
    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self._done = interval, 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(os.getpid()))
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="random mutants (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500, help="files per scan run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per file")
    parser.add_argument("--memory-cap-mb", type=float, default=2048.0)
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Pillow warns on every corrupt EXIF block; noise here

    root = args.keep or Path(tempfile.mkdtemp(prefix="idolguard-fuzz-"))
    rng = random.Random(args.seed)
    started = time.monotonic()
    paths = corpus.build(root / "in", rng, args.count)
    built = time.monotonic() - started
    settings = replace(
        load_settings(environ={}, home=root / "home"),
        database_url=f"sqlite:///{root / 'fuzz.sqlite3'}",
        workers=args.workers,
    )
    sampler = PeakSampler()
    sampler.start()
    crashes: list[str] = []
    hangs: list[str] = []
    unclear: list[str] = []
    codes: collections.Counter[str] = collections.Counter()
    seen: collections.Counter[str] = collections.Counter()
    started = time.monotonic()
    with IdolGuard(settings) as app:
        for start in range(0, len(paths), args.batch):
            batch = paths[start : start + args.batch]
            scanner = app.scanner(triage=False)
            scanner.file_timeout = args.budget
            try:
                for record in scanner.scan(batch):
                    seen[record.location] += 1
                    codes[record.error_code or "ok"] += 1
                    message = record.error or ""
                    if "decoder crashed" in message:
                        crashes.append(f"{record.location}: {message}")
                    elif "took longer than" in message:
                        hangs.append(f"{record.location}: {message}")
                    why = corpus.unclear(record)
                    if why:
                        unclear.append(f"{record.location}: {why} [{record.error_detail}]")
            except Exception:
                crashes.append(f"batch from {batch[0]}: {traceback.format_exc()}")
            print(
                f"  {min(start + args.batch, len(paths))}/{len(paths)} files, "
                f"{time.monotonic() - started:.0f} s",
                file=sys.stderr,
            )
    scanned = time.monotonic() - started
    peak_mb = sampler.stop() / 2**20
    expected = {printable_location(str(p)) for p in paths}
    missing = sorted(expected - set(seen))
    duplicated = sorted(location for location, n in seen.items() if n > 1)

    print(f"fuzz_media: {len(paths)} inputs (seed {args.seed}, {args.count} mutants)")
    print(
        f"  corpus built in {built:.1f} s, scanned in {scanned:.1f} s "
        f"({len(paths) / max(scanned, 1e-9):.1f} files/s, {args.workers} workers)"
    )
    print(f"  outcomes: {dict(sorted(codes.items()))}")
    print(f"  crashes: {len(crashes)}")
    print(f"  hangs past the {args.budget:.0f} s budget: {len(hangs)}")
    print(f"  unclear messages: {len(unclear)}")
    print(f"  missing records: {len(missing)}, duplicated: {len(duplicated)}")
    print(f"  peak RSS of the process tree: {peak_mb:.0f} MB (cap {args.memory_cap_mb:.0f} MB)")
    for line in (crashes + hangs + unclear)[:50] + missing[:10] + duplicated[:10]:
        print(f"    {line}")
    if args.keep is None:
        for path in paths:  # unreadable files must be made removable again
            if path.name == "unreadable.jpg":
                path.chmod(0o600)
        shutil.rmtree(root, ignore_errors=True)
    failed = crashes or hangs or unclear or missing or duplicated
    return 1 if failed or peak_mb > args.memory_cap_mb else 0


if __name__ == "__main__":
    sys.exit(main())
