"""Image fingerprinting throughput, per stage, on one core.

Reproduce: ``.venv/bin/python benchmarks/bench_image_hashing.py``
Synthetic-free: the test images are the bundled public-domain photos, resized
to each size and saved as JPEG q90, hashed from disk as a scan would.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from PIL import Image

from idolguard.demo import sample_image
from idolguard.media import MediaLimits, load_image, sniff, trim_borders
from idolguard.signals.pdq import PDQ_DECODE_SIDE, pdq_hash

SIZES = [(640, 480), (1920, 1080), (4032, 3024)]
NAMES = ["rocket", "astronaut", "chelsea", "coffee"]


def _time(fn: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    limits = MediaLimits()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            stage: dict[str, list[float]] = {
                "sha256": [],
                "sniff": [],
                "decode": [],
                "pdq": [],
                "trim+pdq": [],
                "full": [],
            }
            for name in NAMES:
                path = Path(tmp) / f"{name}-{width}.jpg"
                sample_image(name).resize((width, height), Image.Resampling.LANCZOS).save(
                    path, quality=90
                )
                decoded = load_image(path, limits, max_side=PDQ_DECODE_SIDE).image
                full_res = Image.open(path).convert("RGB")
                stage["sha256"].append(
                    _time(lambda p=path: hashlib.sha256(p.read_bytes()).hexdigest(), args.repeats)
                )
                stage["sniff"].append(_time(lambda p=path: sniff(p, limits), args.repeats))
                stage["decode"].append(
                    _time(
                        lambda p=path: load_image(p, limits, max_side=PDQ_DECODE_SIDE), args.repeats
                    )
                )
                stage["pdq"].append(_time(lambda d=decoded: pdq_hash(d), args.repeats))
                stage["trim+pdq"].append(_time(lambda d=decoded: trim_borders(d), args.repeats))
                stage["full"].append(_time(lambda f=full_res: pdq_hash(f), args.repeats))
            med = {k: statistics.median(v) for k, v in stage.items()}
            pipeline = med["sha256"] + med["sniff"] + med["decode"] + med["pdq"] + med["trim+pdq"]
            rows.append((f"{width}x{height}", med, pipeline))
    header = (
        f"{'size':>10} | {'sha256':>7} | {'sniff':>6} | {'decode':>7} | {'pdq':>6} | "
        f"{'trim':>6} | {'decode+pdq':>10} | {'all stages':>10} | {'img/s/core':>10} | "
        f"{'pdq@full-res':>12}"
    )
    print("Image fingerprinting, ms per image on 1 core (median over 4 photos x repeats)")
    print(header)
    print("-" * len(header))
    for size, med, pipeline in rows:
        print(
            f"{size:>10} | {med['sha256']:7.2f} | {med['sniff']:6.2f} | {med['decode']:7.2f} | "
            f"{med['pdq']:6.2f} | {med['trim+pdq']:6.2f} | {med['decode'] + med['pdq']:10.2f} | "
            f"{pipeline:10.2f} | {1000 / pipeline:10.1f} | {med['full']:12.2f}"
        )
    print("\n'trim' = border detection (runs on every image; a second PDQ only when it trims).")
    print("'pdq@full-res' = hashing the undecimated image, as pytx/HMA do, for comparison.")


if __name__ == "__main__":
    main()
