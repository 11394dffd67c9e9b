"""Video fingerprinting throughput (vPDQ), as a scan runs it and as bank entries are built.

Reproduce: ``.venv/bin/python benchmarks/bench_video_fingerprint.py``
The clips are 10 s, 30 fps zoom-and-pan renders of a bundled photo (every frame
differs), encoded with H.264 at 720p and 1080p.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from idolguard.demo import sample_image, write_pan_video
from idolguard.media import MediaLimits, probe_video
from idolguard.signals.vpdq import vpdq_frames

SIZES = [(1280, 720), (1920, 1080)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    limits = MediaLimits()
    print(f"vPDQ fingerprinting, 1 thread, {args.seconds:.0f} s clips at {args.fps} fps")
    header = (
        f"{'clip':>10} | {'mode':>28} | {'frames hashed':>13} | {'wall s':>7} | "
        f"{'decoded fps':>11} | {'x real time':>11}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            path = Path(tmp) / f"clip-{height}p.mp4"
            write_pan_video(
                sample_image("astronaut"),
                path,
                seconds=args.seconds,
                size=(width, height),
                fps=args.fps,
            )
            info = probe_video(path, limits)
            for label, spf in (("query: 1 hash/s (scan)", 1.0), ("bank: every frame, pruned", 0)):
                times = []
                frames = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    frames = vpdq_frames(
                        path,
                        info,
                        seconds_per_hash=spf,
                        prune_distance=10 if spf == 0 else None,
                    )
                    times.append(time.perf_counter() - start)
                wall = statistics.median(times)
                total_frames = args.seconds * args.fps
                print(
                    f"{f'{width}x{height}':>10} | {label:>28} | {len(frames):>13} | {wall:7.2f} | "
                    f"{total_frames / wall:11.0f} | {info.duration_seconds / wall:11.1f}"
                )


if __name__ == "__main__":
    main()
