"""Flagging thresholds that depend on how big the face is in the picture.

Small faces are upsampled into the model's crop, and upsampling blur looks
like a pasted face; a threshold calibrated on full-size faces flags crowd
faces in ordinary group photos. ``size_thresholds.json`` holds, per model
version, the threshold each eye-distance band needs to flag the same share
of real calib faces (``training/manipulation/calibrate_sizes.py``); bands
never go below the model's own threshold.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from idolguard.forensics.face_model import MODEL_DIR

# Eye-distance bands in pixels of the picture the face was found in.
BANDS: tuple[tuple[int, int | None], ...] = ((0, 20), (20, 28), (28, 40), (40, None))


@cache
def size_thresholds(version: str, model_dir: Path = MODEL_DIR) -> tuple[tuple[float, float], ...]:
    """``(min_eye, threshold)`` pairs for a model version, ascending; empty when not calibrated."""
    path = model_dir / "size_thresholds.json"
    if not path.exists():
        return ()
    bands = json.loads(path.read_text()).get("models", {}).get(version, [])
    return tuple(sorted((float(b["min_eye"]), float(b["threshold"])) for b in bands))


def threshold_for(eye_distance: float, version: str, default: float) -> float:
    """The threshold for a face this size (``default`` when the version has no bands)."""
    chosen = default
    for low, threshold in size_thresholds(version):
        if eye_distance >= low:
            chosen = max(default, threshold)
    return chosen
