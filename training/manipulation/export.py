"""Step 4: export the trained network to ONNX and calibrate it on the ``calib`` split.

Platt scaling (a logistic fit of the raw logit) turns the network's logit
into a probability that means the same thing across retrainings, fitted on
``calib`` reals against their self-blends and the real-swap families; the
flagging threshold is where ``calib`` reals are flagged at ``--fpr``. The
ONNX model is checked against PyTorch on the calibration inputs before
anything is written.

    python -m training.manipulation.export --cache .cache/manipulation
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import onnxruntime as ort
import torch

from idolguard.forensics.crop import CROP_SIZE, MARGIN, WORK_SIZE
from training.manipulation.dataset import training_arguments
from training.manipulation.metrics import family_figures, fit_logistic, threshold_at_fpr
from training.manipulation.model import BlendNet
from training.manipulation.train import calib_set, predict


def run(args: argparse.Namespace) -> None:
    model = BlendNet()
    model.load_state_dict(torch.load(args.cache / "blendnet.pt", map_location="cpu"))
    model.eval()
    target = args.model_dir / "blendnet.onnx"
    example = torch.rand(2, 3, CROP_SIZE, CROP_SIZE)
    torch.onnx.export(
        model,
        (example,),
        str(target),
        input_names=["crops"],
        output_names=["logit", "cells"],
        dynamic_axes={"crops": {0: "n"}, "logit": {0: "n"}, "cells": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    calib = calib_set(args.data, args.cache, args.seed)
    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    images = np.concatenate([v[0] for v in calib.values()])
    labels = np.concatenate([v[1] for v in calib.values()])
    torch_logits = predict(model, images)
    x = images.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    onnx_logits = np.concatenate(
        [session.run(None, {"crops": x[i : i + 64]})[0] for i in range(0, len(x), 64)]
    )
    drift = float(np.abs(onnx_logits - torch_logits).max())
    print(f"ONNX vs PyTorch: max logit difference {drift:.2e}")
    if drift > 1e-3:
        raise SystemExit("the exported model disagrees with PyTorch")
    beta = fit_logistic(onnx_logits[:, None], labels, l2=1e-6)
    a, b = float(beta[0]), float(beta[1])
    probabilities = 1 / (1 + np.exp(-(a * onnx_logits + b)))
    threshold = threshold_at_fpr(labels, probabilities, args.fpr)
    per_family = family_figures({k: v[1] for k, v in calib.items()}, probabilities)
    log = json.loads((args.cache / "train_log.json").read_text())
    card = {
        "version": args.version,
        "architecture": "BlendNet: 5-stage residual CNN, 1x1 cell head (CAM), 128x128 RGB input",
        "parameters": sum(p.numel() for p in model.parameters()),
        "crop": {"size": CROP_SIZE, "work_size": WORK_SIZE, "margin": MARGIN},
        "platt": {"a": round(a, 6), "b": round(b, 6)},
        "threshold": round(threshold, 6),
        "calib_fpr": args.fpr,
        "calib": per_family,
        "training": log["args"],
        "history": log["history"],
    }
    (args.model_dir / "blendnet.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({k: card[k] for k in ("platt", "threshold", "calib")}, indent=1))
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) and blendnet.json")


def main() -> None:
    parser = training_arguments(__doc__, fpr=0.03)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
