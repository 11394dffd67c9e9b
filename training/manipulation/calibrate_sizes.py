"""Step 6: flagging thresholds per face size, from calib reals shown at several sizes.

A face far smaller than the training faces is upsampled into the crop, and
the blur that adds looks like a pasted face to both models: crowd faces in
an ordinary group photo scored above the single shipped threshold. So real
calib photos are shrunk (1, 3/4, 1/2, 1/3, 1/4), their faces found again
and scored, and each eye-distance band gets the threshold that flags
``--fpr`` of its real faces, never lower than the shipped one. Written to
``models/size_thresholds.json`` for BlendNet alone and fused, since either
may run.

    python -m training.manipulation.calibrate_sizes --cache .cache/manipulation
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from PIL import Image

from idolguard.faces import load_backend
from idolguard.forensics.ai_model import ClipEncoder
from idolguard.forensics.crop import face_crop
from idolguard.forensics.face_model import FaceManipulationModel
from idolguard.forensics.sizes import BANDS
from training.manipulation.dataset import load_records, records_where, training_arguments
from training.manipulation.metrics import threshold_at_fpr

SCALES = (1.0, 0.75, 0.5, 1 / 3, 0.25)


def run(args: argparse.Namespace) -> None:
    backend = load_backend("arcface", threads=args.threads)
    models = {
        "alone": FaceManipulationModel(threads=args.threads),
        "fused": FaceManipulationModel(threads=args.threads, clip=ClipEncoder(args.threads)),
    }
    records = [
        r
        for family in ("lfw_faceswap", "yonsei")
        for r in records_where(
            load_records(args.cache / "index.json"), split="calib", family=family
        )
        if r.label == 0
    ]
    eyes: list[float] = []
    crops = []
    for record in records:
        picture = Image.open(args.data / record.path).convert("RGB")
        for scale in SCALES:
            shown = picture.resize(
                (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                Image.Resampling.BILINEAR,
            )
            pixels = np.asarray(shown, dtype=np.uint8)
            faces = backend.detect(pixels)
            if not faces:
                continue
            face = max(faces, key=lambda f: f.eye_distance)
            eyes.append(face.eye_distance)
            crops.append(face_crop(pixels, face.landmarks)[0])
    eye = np.array(eyes)
    out: dict[str, object] = {"fpr": args.fpr, "bands": [list(b) for b in BANDS], "models": {}}
    for mode, model in models.items():
        probability = np.array([s.probability for s in model.score(crops)])
        base = model.threshold
        bands = []
        for low, high in BANDS:
            inside = (eye >= low) & (eye < (high if high is not None else np.inf))
            count = int(inside.sum())
            if count < 20:
                threshold = base
            else:
                labels = np.zeros(count, dtype=int)
                threshold = max(base, threshold_at_fpr(labels, probability[inside], args.fpr))
            flagged = float((probability[inside] >= threshold).mean()) if count else None
            bands.append(
                {
                    "min_eye": low,
                    "max_eye": high,
                    "threshold": round(min(threshold, 0.999), 6),
                    "calib_real_faces": count,
                    "calib_fpr_at_threshold": None if flagged is None else round(flagged, 4),
                    "fpr_at_shipped_threshold": round(
                        float((probability[inside] >= base).mean()), 4
                    )
                    if count
                    else None,
                }
            )
            print(f"  {mode} eyes {low}-{high}: {bands[-1]}")
        out["models"][model.version] = bands  # type: ignore[index]
    target = args.model_dir / "size_thresholds.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {target}")


def main() -> None:
    parser = training_arguments(__doc__, fpr=0.03)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
