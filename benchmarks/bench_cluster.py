"""Scan throughput on a Ray cluster against the local process pool, and Ray's cost per file.

Reproduce (repository root, with the `cluster` extra installed):

    PYTHONPATH=src:. OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_cluster.py \\
        --images 40 --tiny 300 [--repeats 3]

Two measurements, each on the same files for every configuration, each run
into a fresh home (so no result is reused from an earlier run):

1. Full scans (every signal) of ``--images`` 1080p photos made from the bundled
   public-domain samples (a few noise pixels make each one distinct content):
   the local pool with 2 workers, then Ray with 1 and with 2 actors on a local
   cluster of 2 CPUs (or ``--address``). "steady" is the rate between the first
   and the last finished file, without the start-up (processes, models).
2. Per-file overhead: ``--tiny`` 64x64 images with only the PDQ signal, where the
   analysis itself is nearly free, on the pool with 1 worker and on Ray with 1
   actor: the difference in steady time per file is what Ray adds per file. The
   median round trip of an empty actor call is printed too.

With ``--repeats N`` every configuration runs N times, interleaved (so a burst of
load from elsewhere hits them alike), and the median run is shown.

The cluster path's target is >= 90 % of the pool's images/s and <= 5 ms per file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.demo import sample_image


def photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = ["rocket", "coffee", "chelsea", "astronaut"]
    paths = []
    for n in range(count):
        pixels = np.asarray(sample_image(names[n % 4]).convert("RGB").resize((1920, 1080))).copy()
        pixels[:2, :64] = rng.integers(0, 256, size=(2, 64, 3), dtype=np.uint8)
        path = folder / f"photo-{n:04d}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
    return paths


def tiny(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    paths = []
    for n in range(count):
        path = folder / f"tiny-{n:04d}.png"
        Image.fromarray(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def timed_scan(
    root: Path,
    label: str,
    folder: Path,
    *,
    workers: int,
    cluster: str | None,
    signals: list[str] | None,
) -> dict[str, Any]:
    """One scan into a fresh home: total seconds and the steady rate (first to last file)."""
    home = root / f"home-{label}"
    settings = replace(load_settings(environ={}, home=home), workers=workers)
    if cluster:
        settings = replace(settings, cluster=cluster, cluster_workers=workers)
    with IdolGuard(settings) as app:
        scanner = app.scanner(signals)
        finished: list[float] = []
        start = time.perf_counter()
        for record in scanner.scan([folder]):
            finished.append(time.perf_counter())
            if record.error:
                raise SystemExit(f"{label}: {record.location}: {record.error}")
        total = time.perf_counter() - start
    files = len(finished)
    steady = (files - 1) / (finished[-1] - finished[0]) if files > 1 else float("nan")
    return {"label": label, "files": files, "total": total, "steady": steady}


def repeated(
    root: Path,
    folder: Path,
    configs: list[tuple[str, int, str | None]],
    repeats: int,
    *,
    signals: list[str] | None,
) -> dict[str, dict[str, Any]]:
    """Each configuration ``repeats`` times, interleaved; the median run (by steady rate)."""
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _, _ in configs}
    for n in range(repeats):
        for label, workers, cluster in configs:
            runs[label].append(
                timed_scan(
                    root, f"{label}-{n}", folder, workers=workers, cluster=cluster, signals=signals
                )
                | {"label": label}
            )
    medians = {}
    for label, results in runs.items():
        ordered = sorted(results, key=lambda r: r["steady"])
        medians[label] = ordered[len(ordered) // 2]
        if repeats > 1:
            rates = ", ".join(f"{r['steady']:.2f}" for r in results)
            print(f"  ({label}: steady images/s of the {repeats} runs: {rates})")
    return medians


def round_trip_ms(ray: Any, repeats: int = 200) -> float:
    from idolguard.pipeline.cluster import AnalysisActor

    actor = ray.remote(num_cpus=1)(AnalysisActor).remote(
        replace(load_settings(environ={}), store_originals=False), [], None
    )
    ray.get(actor.pid.remote())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ray.get(actor.pid.remote())
        times.append(time.perf_counter() - t0)
    ray.kill(actor)
    return statistics.median(times) * 1000


def show(result: dict[str, Any], reference: dict[str, Any] | None = None) -> None:
    share = ""
    if reference is not None:
        share = f"  ({100 * result['steady'] / reference['steady']:.0f} % of the pool, steady)"
    print(
        f"  {result['label']:16s} {result['files']} files in {result['total']:6.1f} s: "
        f"{result['files'] / result['total']:6.2f} images/s overall, "
        f"{result['steady']:6.2f} steady{share}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--tiny", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=1, help="runs per configuration")
    parser.add_argument("--address", help="an existing Ray cluster (default: a local one, 2 CPUs)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import ray

    if args.address:
        ray.init(address=args.address, log_to_driver=False, logging_level="WARNING")
    else:
        ray.init(
            address="local",  # a new cluster, whatever `ray start` left recorded on this host
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=100 * 1024 * 1024,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            logging_level="WARNING",
        )
    address = str(ray.get_runtime_context().gcs_address)
    print(
        f"Ray {ray.__version__}, cluster CPUs {ray.cluster_resources().get('CPU')}; "
        f"host CPUs {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.images:
            folder = root / "photos"
            photos(folder, args.images)
            print(f"full scans (every signal) of {args.images} 1080p photos:")
            configs = [("pool x2", 2, None), ("ray x1", 1, address), ("ray x2", 2, address)]
            results = repeated(root, folder, configs, args.repeats, signals=None)
            for label, _, _ in configs:
                show(results[label], results["pool x2"] if label != "pool x2" else None)
        if args.tiny:
            folder = root / "tiny"
            tiny(folder, args.tiny)
            print(f"per-file overhead: {args.tiny} 64x64 images, PDQ only, one worker each:")
            configs = [("pool x1", 1, None), ("ray x1", 1, address)]
            results = repeated(root, folder, configs, args.repeats, signals=["pdq"])
            pool, ray1 = results["pool x1"], results["ray x1"]
            show(pool)
            show(ray1, pool)
            overhead = (1 / ray1["steady"] - 1 / pool["steady"]) * 1000
            print(f"  Ray's cost per file over the pool's: {overhead:.2f} ms (steady)")
            print(f"  empty actor call round trip, median: {round_trip_ms(ray):.2f} ms")
    ray.shutdown()


if __name__ == "__main__":
    main()
