"""Identity consistency: does the rest of the head belong to the person the inner face names?

A face swap puts one person's inner face (eyes, nose, mouth) on another
person's head: the hair, ears, jaw line and face outline stay the target's
(Dong et al., CVPR 2022, "Protecting Celebrities from DeepFake with Identity
Consistency Transformer"). Recognition embeddings read mostly the inner face,
so a swap of an enrolled artist is *named* as the artist; what gives it away
is that the outer head does not look like the artist's reference photos.

Without a network trained for it, this compares two views with the artist's
references: the identity embedding the face was named from (inner) and a
CLIP embedding of a wide crop with the whole inner face masked out (outer
context: hair, ears, outline, neck). A genuine photo matches the artist on
both; a swap matches on the inner view only. ``ConsistencyModel`` turns the
two similarities into a probability-like swap score, fitted by
``benchmarks/identity_consistency_eval.py`` on an identity-disjoint
development split (``models/identity_consistency.json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from idolguard.forensics.ai_model import ClipEncoder
from idolguard.forensics.crop import crop_template, face_crop
from idolguard.forensics.face_model import MODEL_DIR

# The outer view: a crop this many times the ArcFace crop's extent, so hair, ears,
# jaw and neck are in view, at CLIP's input side.
OUTER_SIZE = 224
OUTER_MARGIN = 2.6
# The masked inner face, as multiples of the eye distance (width) and of the
# eyes-to-mouth height: it covers what a whole-face swap replaces (forehead to chin),
# so nothing of the pasted face reaches the outer view.
MASK_HALF_WIDTH = 1.35
MASK_HALF_HEIGHT = 1.95
MASK_SHIFT = 0.25  # centre below the eyes-mouth midpoint, in eye distances
MASK_GREY = (127, 127, 127)
# Version of the outer view and its encoder: stored reference features carry it.
FEATURE_VERSION = "ctx1"


def outer_view(image: NDArray[np.uint8], landmarks: NDArray[np.floating]) -> Image.Image:
    """The wide, aligned crop of a face with its inner face painted flat grey."""
    crop, _ = face_crop(image, landmarks, size=OUTER_SIZE, margin=OUTER_MARGIN)
    template = crop_template(OUTER_SIZE, OUTER_MARGIN)
    eyes = template[:2].mean(axis=0)
    mouth = template[3:].mean(axis=0)
    eye_distance = float(np.linalg.norm(template[1] - template[0]))
    height = float(mouth[1] - eyes[1])
    cx = float((eyes[0] + mouth[0]) / 2)
    cy = float((eyes[1] + mouth[1]) / 2 + MASK_SHIFT * eye_distance)
    rx, ry = MASK_HALF_WIDTH * eye_distance, MASK_HALF_HEIGHT * height
    picture = Image.fromarray(crop)
    ImageDraw.Draw(picture).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=MASK_GREY)
    return picture


def outer_embeddings(
    encoder: ClipEncoder,
    image: NDArray[np.uint8],
    landmarks: Sequence[NDArray[np.floating]],
) -> NDArray[np.float32]:
    """Unit CLIP embeddings of the outer views of these faces of one picture (one batch)."""
    return encoder.embed([outer_view(image, marks) for marks in landmarks])


def outer_similarity(query: NDArray[np.float32], references: NDArray[np.float32]) -> float:
    """How well a face's outer view matches an artist's: the mean of the best and the centre.

    The same two views as identification (``faces.gallery``): the reference
    sharing the query's hair style, and the artist's centre, which one
    unusual photo cannot dominate.
    """
    if references.size == 0:
        return float("nan")
    cosines = references @ query
    centre = references.sum(axis=0)
    centre = centre / max(float(np.linalg.norm(centre)), 1e-12)
    return float(0.5 * (float(np.max(cosines)) + float(centre @ query)))


@dataclass(frozen=True)
class ConsistencyModel:
    """Logistic swap score from the inner (identity) and outer (context) similarities."""

    version: str
    inner_weight: float
    outer_weight: float
    bias: float
    threshold: float  # probability from which a named face is reported as inconsistent
    # The outer similarity is read against the other enrolled artists' (the cohort): how
    # much more this head looks like the artist than like anyone else enrolled. With fewer
    # than ``MIN_COHORT`` others, the development data's mean cohort value stands in.
    cohort_default: float
    card: dict[str, Any]

    def logit(self, inner: float, outer: float) -> float:
        return self.inner_weight * inner + self.outer_weight * outer + self.bias

    def probability(self, inner: float, outer: float) -> float:
        z = self.logit(inner, outer)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


MODEL_FILE = "identity_consistency.json"
# Other enrolled artists needed for their mean to serve as the cohort.
MIN_COHORT = 3


def cohort_similarity(
    query: NDArray[np.float32], others: Sequence[NDArray[np.float32]], default: float
) -> float:
    """The mean outer similarity to the other artists' references (``default`` if too few)."""
    if len(others) < MIN_COHORT:
        return default
    return float(np.mean([outer_similarity(query, refs) for refs in others]))


@cache
def load_consistency_model(model_dir: Path = MODEL_DIR) -> ConsistencyModel:
    data = json.loads((model_dir / MODEL_FILE).read_text())
    return ConsistencyModel(
        version=str(data["version"]),
        inner_weight=float(data["inner_weight"]),
        outer_weight=float(data["outer_weight"]),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        cohort_default=float(data["cohort_default"]),
        card={k: v for k, v in data.items() if k not in ("inner_weight", "outer_weight", "bias")},
    )
