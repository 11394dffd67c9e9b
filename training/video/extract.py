"""Measure every development clip once and cache the window features.

    PYTHONPATH=$PWD/src:$PWD OMP_NUM_THREADS=1 nice -n 10 \
        python -m training.video.extract [--cache .cache/video-features]

Deterministic (no randomness); about 1 s of one core per 10 s of clip.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import av

from idolguard.forensics.temporal.extract import clip_windows, dense_detector, measure_track
from idolguard.forensics.temporal.mesh import FaceMesh
from training.video.data import clips

CACHE = Path(".cache/video-features")


def duration(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        return float(stream.frames or 0) / float(stream.average_rate or 25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    detect = dense_detector()
    mesh = FaceMesh()
    for clip in clips():
        target = args.cache / (clip.key.replace("/", "__") + ".json")
        if target.exists():
            continue
        began = time.process_time()
        seconds = duration(clip.path)
        windows = clip_windows(clip.path, seconds)
        measured = measure_track(windows, detect, mesh=mesh)
        spent = time.process_time() - began
        target.write_text(
            json.dumps(
                {
                    "key": clip.key,
                    "fake": clip.fake,
                    "group": clip.group,
                    "person": clip.person,
                    "seconds": seconds,
                    "cpu_seconds": spent,
                    "windows": [asdict(m) for m in measured],
                }
            )
        )
        print(f"{clip.key}: {len(measured)} windows, {seconds:.1f} s clip, {spent:.2f} s cpu")


if __name__ == "__main__":
    main()
