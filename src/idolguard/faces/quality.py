"""Is a face good enough to be a reference template?

A template is compared with every face IdolGuard ever sees, so one bad
reference (a tiny or motion-blurred face) costs false matches forever. The
checks run on the aligned 112x112 crop, so "sharp" means the same thing for a
selfie and a 24-megapixel press photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.align import align_arcface
from idolguard.faces.types import DetectedFace

# Eye distance under which embeddings degrade sharply (LFW-style 250 px
# crops have ~45 px); reference photos must do better than queries.
MIN_ENROL_EYE_DISTANCE = 24.0
# Variance of the Laplacian of the aligned grey crop. Unblurred K-pop and
# East-Asian development photos score 120-3,600 (1st-95th percentile); a
# Gaussian blur of radius 2 px on a 160 px face crop drops most under 50.
MIN_ENROL_SHARPNESS = 60.0
# A second face this large relative to the biggest makes it ambiguous who
# the photo is of; smaller background faces are ignored.
AMBIGUOUS_FACE_RATIO = 0.5


@dataclass(frozen=True)
class FaceQuality:
    eye_distance: float
    sharpness: float


def sharpness(image: NDArray[np.uint8], face: DetectedFace) -> float:
    crop = align_arcface(image, face.landmarks).astype(np.float32)
    grey = crop @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    laplacian = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    return float(laplacian.var())


def assess(image: NDArray[np.uint8], face: DetectedFace) -> FaceQuality:
    return FaceQuality(eye_distance=face.eye_distance, sharpness=sharpness(image, face))


def enrolment_problem(image: NDArray[np.uint8], faces: list[DetectedFace]) -> str | None:
    """Why these detections cannot make a template, or ``None`` when exactly one good face."""
    if not faces:
        return "no face found"
    biggest = max(faces, key=lambda f: f.eye_distance)
    rivals = [f for f in faces if f.eye_distance >= AMBIGUOUS_FACE_RATIO * biggest.eye_distance]
    if len(rivals) > 1:
        return f"{len(rivals)} faces found; crop the photo to the artist or choose another"
    quality = assess(image, biggest)
    if quality.eye_distance < MIN_ENROL_EYE_DISTANCE:
        return (
            f"face too small: eyes {quality.eye_distance:.0f} px apart, "
            f"need at least {MIN_ENROL_EYE_DISTANCE:.0f}"
        )
    if quality.sharpness < MIN_ENROL_SHARPNESS:
        return (
            f"face too blurred: sharpness {quality.sharpness:.0f}, "
            f"need at least {MIN_ENROL_SHARPNESS:.0f}"
        )
    return None
