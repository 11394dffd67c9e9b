"""Step 5: a second face opinion from frozen CLIP features, fused with BlendNet's logit.

BlendNet, trained from scratch on 2 CPU cores, learns blending boundaries
well but has seen too little to know every kind of pasted face; a linear
head on frozen CLIP features of the same face crop, trained on the same
synthetic fakes, sees texture and lighting mismatches BlendNet misses (on
the calib split it separates real LFW swaps far better, self-blends worse).
The two logits are fused by a logistic regression fitted on ``calib``, and
the flagging threshold is where ``calib`` reals are flagged at ``--fpr``.
Writes ``models/face_fusion.json``; BlendNet alone (``blendnet.json``)
remains the fallback when the CLIP encoder is not installed.

    python -m training.manipulation.train_fusion --cache .cache/manipulation
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from PIL import Image

from idolguard.forensics.ai_model import ClipEncoder
from idolguard.forensics.crop import model_view
from idolguard.forensics.face_model import FaceManipulationModel
from training.manipulation.dataset import training_arguments
from training.manipulation.metrics import (
    family_figures,
    fit_logistic,
    roc_auc,
    threshold_at_fpr,
)
from training.manipulation.train import calib_crops, damage, make_fake


def embed(encoder: ClipEncoder, crops: list[np.ndarray], batch: int = 16) -> np.ndarray:
    rows = []
    for start in range(0, len(crops), batch):
        rows.append(encoder.embed([Image.fromarray(c) for c in crops[start : start + batch]]))
    return np.concatenate(rows)


def run(args: argparse.Namespace) -> None:
    encoder = ClipEncoder(threads=args.threads)
    bundle = np.load(args.cache / "train_crops.npz")
    crops, groups = bundle["crops"], bundle["groups"]
    rng = np.random.default_rng(args.seed)
    started = time.monotonic()
    reals = [damage(np.ascontiguousarray(c), rng) for c in crops]
    fakes = [
        damage(make_fake(crops, groups, i, rng, args.swap_share), rng) for i in range(len(crops))
    ]
    x_train = embed(encoder, reals + fakes)
    y_train = np.array([0] * len(reals) + [1] * len(fakes))
    print(f"embedded {len(y_train)} training crops in {time.monotonic() - started:.0f} s")

    calib = calib_crops(args.data, args.cache, args.seed)
    blendnet = FaceManipulationModel(threads=args.threads)
    features: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for family, (family_crops, labels) in calib.items():
        clip = embed(encoder, family_crops)
        views = np.stack([model_view(c) for c in family_crops])
        blend = np.array([s.logit for s in blendnet.score(views)])
        features[family] = (clip, blend, labels)

    best = None
    for l2 in (1e-4, 1e-3, 1e-2):
        head = fit_logistic(x_train, y_train, l2)
        aucs = {k: roc_auc(y, clip @ head[:-1] + head[-1]) for k, (clip, _, y) in features.items()}
        mean = float(np.mean(list(aucs.values())))
        print(
            f"  CLIP head l2 {l2:g}: calib AUC " + " ".join(f"{k} {v:.3f}" for k, v in aucs.items())
        )
        if best is None or mean > best[0]:
            best = (mean, l2, head)
    assert best is not None
    _, l2, head = best
    clip_logit = np.concatenate([c @ head[:-1] + head[-1] for c, _, _ in features.values()])
    blend_logit = np.concatenate([b for _, b, _ in features.values()])
    labels = np.concatenate([y for _, _, y in features.values()])
    # Each family weighs the same in the fusion fit, however many files it has.
    fused_x = np.stack([blend_logit, clip_logit], axis=1)
    fusion = fit_logistic(fused_x, labels, 1e-6)
    probability = 1 / (1 + np.exp(-(fused_x @ fusion[:-1] + fusion[-1])))
    threshold = threshold_at_fpr(labels, probability, args.fpr)
    per_family = family_figures({k: y for k, (_, _, y) in features.items()}, probability)
    card = {
        "version": args.version,
        "blendnet_version": blendnet.version,
        "clip_head": {
            "l2": l2,
            "trained_on": f"{len(reals)} training reals (damaged) + one synthetic fake each",
            "weights": [round(float(v), 7) for v in head[:-1]],
            "bias": round(float(head[-1]), 7),
        },
        "fusion": {
            "blend": round(float(fusion[0]), 6),
            "clip": round(float(fusion[1]), 6),
            "bias": round(float(fusion[2]), 6),
        },
        "threshold": round(threshold, 6),
        "calib_fpr": args.fpr,
        "calib": per_family,
        "seed": args.seed,
    }
    out = args.model_dir / "face_fusion.json"
    out.write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({k: card[k] for k in ("fusion", "threshold", "calib")}, indent=1))
    print(f"wrote {out}")


def main() -> None:
    parser = training_arguments(__doc__, fpr=0.03)
    parser.add_argument("--swap-share", type=float, default=0.3)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
