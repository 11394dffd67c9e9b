"""Leave-one-family-out figures of the token heads, and the expensive path's cost per face.

Not part of the test suite. Needs the cached CLIP outputs that
``python -m training.manipulation.lofo_data`` writes (``.cache/lofo``); it
refits every fold (no shipped weights are touched) and prints the table that
``docs/benchmarks.md`` quotes: AUC / TPR at 1 % FPR for each held-out family
under each condition, for the head each side ships (face: the patch-token
attention head; picture: the multi-family linear probe on the embedding), and
the other head's AUC beside it. ``--speed`` times the expensive path on one thread:
the CLIP encoder on face crops (one at a time and in a batch of 8, as a
picture with several faces sends them) plus the token head.

    PYTHONPATH=$PWD/src:$PWD python benchmarks/manipulation_lofo.py --cache .cache/lofo
    PYTHONPATH=$PWD/src:$PWD python benchmarks/manipulation_lofo.py --speed
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.manipulation.lofo_data import (
    FACE_FAMILIES,
    PICTURE_FAMILIES,
    FeatureCache,
    load_items,
)
from training.manipulation.train_token_heads import Side, lofo, markdown


def speed(repeats: int, head_dir: Path | None) -> None:
    from idolguard.forensics.ai_model import ClipEncoder
    from idolguard.forensics.face_model import MODEL_DIR
    from idolguard.forensics.token_head import load_head
    from tests.helpers import SAMPLES

    encoder = ClipEncoder(threads=1)
    head = load_head("face_tokens", head_dir or MODEL_DIR)
    print("token head:", "none installed (encoder only)" if head is None else head.version)
    crops = [Image.open(p).convert("RGB").resize((192, 192)) for p in sorted(SAMPLES.glob("*.jpg"))]
    batch = (crops * 2)[:8]
    encoder.encode(batch[:1])  # warm-up
    for label, images in (("1 crop per call", batch[:1]), ("8 crops per call", batch)):
        times, cpu = [], []
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            embeds, tokens = encoder.encode(images, batch=len(images))
            if head is not None:
                head.score(embeds, tokens)
            times.append((time.perf_counter() - started) / len(images) * 1000)
            cpu.append((time.process_time() - started_cpu) / len(images) * 1000)
        # CPU time is what one core spends; wall time also counts waiting on a busy machine.
        print(
            f"expensive path, {label}: median {statistics.median(cpu):.1f} ms CPU "
            f"({statistics.median(times):.1f} ms wall) per face"
        )
    if head is not None:
        embeds, tokens = encoder.encode(batch, batch=8)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            head.score(embeds, tokens)
            times.append((time.perf_counter() - started) / len(batch) * 1000)
        print(f"token head alone: median {statistics.median(times):.2f} ms per face")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(".cache/lofo"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed", action="store_true", help="time the expensive path only")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--head-dir", type=Path, help="where face_tokens.* lie (e.g. .cache/lofo/candidate)"
    )
    args = parser.parse_args()
    if args.speed:
        speed(args.repeats, args.head_dir)
        return
    items = load_items(args.cache)
    cache = FeatureCache(args.cache / "features")
    rows = []
    for name, families in (("face", FACE_FAMILIES), ("picture", PICTURE_FAMILIES)):
        side = Side(name, items, cache, args.k, args.seed)
        rows += lofo(name, side, families, args.steps, args.seed)
        del side
    print(markdown(rows))
    aucs = {c: [r["auc"] for r in rows if r["condition"] == c] for c in ("clean", "jpeg50", "half")}
    for condition, values in aucs.items():
        if values:
            print(f"{condition}: worst held-out AUC {min(values):.3f}, mean {np.mean(values):.3f}")


if __name__ == "__main__":
    main()
