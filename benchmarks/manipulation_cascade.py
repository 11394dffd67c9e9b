"""What the manipulation cascade's gate costs and keeps, per face family.

Not part of the test suite. In ``[manipulation] mode = "cascade"`` every face
is scored by BlendNet (a few ms) and only some take the CLIP path (the fused
face head, ~15x the cost): faces near an enrolled artist, explicit pictures,
and faces whose BlendNet probability reaches ``[manipulation] suspicious``.
This script measures, for a range of gates, on faces of people who are *not*
enrolled (the artist rule does not apply to them):

* ``escalated``: the share of faces sent down the CLIP path (its cost);
* ``kept``: of the faces the full path would flag, the share the cascade
  still flags (a face the gate does not escalate is judged by BlendNet alone
  against BlendNet's own calibrated threshold);
* ``flagged``: the share the cascade flags in the end.

Faces are detected by the product's ``faces`` signal, cropped as in a scan
and scored by the shipped model. Families: LFW photos and landmark face swaps
made from them; Yonsei photos and expert composites. Usage::

    PYTHONPATH=src python benchmarks/manipulation_cascade.py [--per-family 150]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from idolguard.config import FaceSettings
from idolguard.forensics.ai_model import shared_encoder
from idolguard.forensics.crop import face_crop
from idolguard.forensics.face_model import FaceManipulationModel
from idolguard.forensics.sizes import threshold_for
from idolguard.media import MediaLimits, sniff
from idolguard.signals.base import AnalysisItem
from idolguard.signals.faces import IMAGE_DECODE_SIDE, FacesSignal
from idolguard.signals.manipulation import MIN_EYE_PIXELS

DATA = Path(__file__).resolve().parents[2] / "shared/data/manipulation"
FAMILIES = ("lfw_faceswap/real", "lfw_faceswap/fake", "yonsei/real", "yonsei/fake")
GATES = (0.3, 0.4, 0.5, 0.6, 0.7)


def crops(
    faces: FacesSignal, path: Path, limits: MediaLimits
) -> list[tuple[NDArray[np.uint8], float]]:
    """Working crops of the judged faces in one photo, with their eye distances."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    item = AnalysisItem(path, digest, "0" * 32, path.stat().st_size, sniff(path, limits), limits)
    result = faces.analyse(item)
    decoded = item.image(IMAGE_DECODE_SIDE)
    pixels = np.asarray(decoded.image, dtype=np.uint8)
    scale = decoded.image.width / max(1, decoded.original_width)
    out = []
    for face in result.get("faces", []):
        marks = np.asarray(face["landmarks"], dtype=np.float32) * scale
        eye = float(np.linalg.norm(marks[1] - marks[0]))
        if eye >= MIN_EYE_PIXELS:
            out.append((face_crop(pixels, marks)[0], eye))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--per-family", type=int, default=150, help="photos per family")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    faces = FacesSignal(FaceSettings(), threads=1)
    model = FaceManipulationModel(1, clip=shared_encoder(1))
    if model.fusion is None:
        raise SystemExit("the CLIP encoder is not installed (scripts/bootstrap)")
    fast_version = model.calibration.version
    full_version = model.version
    limits = MediaLimits()
    rng = random.Random(args.seed)
    print(f"model {full_version}; photos per family: {args.per_family}; seed {args.seed}")
    rows = {}
    for family in FAMILIES:
        files = sorted((args.data / family).iterdir())
        rng.shuffle(files)
        cut = [c for path in files[: args.per_family] for c in crops(faces, path, limits)]
        images = [crop for crop, _ in cut]
        eyes = np.array([eye for _, eye in cut])
        started = time.perf_counter()
        fast = model.score(images, lambda _i, _p: False)
        fast_ms = (time.perf_counter() - started) * 1000 / max(1, len(images))
        started = time.perf_counter()
        full = model.score(images)
        full_ms = (time.perf_counter() - started) * 1000 / max(1, len(images))
        blend = np.array([s.probability for s in fast])
        fast_flag = np.array(
            [
                s.probability >= threshold_for(e, fast_version, model.calibration.threshold)
                for s, e in zip(fast, eyes, strict=True)
            ]
        )
        full_flag = np.array(
            [
                s.probability >= threshold_for(e, full_version, model.threshold)
                for s, e in zip(full, eyes, strict=True)
            ]
        )
        rows[family] = (blend, fast_flag, full_flag)
        print(
            f"{family}: {len(images)} faces; BlendNet {fast_ms:.1f} ms/face, "
            f"BlendNet+CLIP {full_ms:.1f} ms/face (one thread); "
            f"flagged by fast path {fast_flag.mean():.3f}, by full path {full_flag.mean():.3f}"
        )
    print()
    print("| gate | " + " | ".join(f"{f} escalated / kept / flagged" for f in FAMILIES) + " |")
    print("|---|" + "---|" * len(FAMILIES))
    for gate in GATES:
        cells = []
        for family in FAMILIES:
            blend, fast_flag, full_flag = rows[family]
            escalated = blend >= gate
            final = np.where(escalated, full_flag, fast_flag)
            kept = (final & full_flag).sum() / max(1, full_flag.sum())
            cells.append(f"{escalated.mean():.2f} / {kept:.2f} / {final.mean():.3f}")
        print(f"| {gate} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
