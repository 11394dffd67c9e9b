"""The face-backend interface: detect, then embed what was detected."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]


class FaceBackendError(RuntimeError):
    """A backend cannot be loaded (its package or weights are missing)."""


@dataclass(frozen=True)
class DetectedFace:
    """One face in image pixel coordinates.

    ``landmarks`` are the five points every aligner here uses, in this order:
    left eye, right eye, nose tip, left mouth corner, right mouth corner (as
    seen in the image, so "left eye" is the subject's right eye).
    """

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    score: float
    landmarks: FloatArray  # shape (5, 2)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def eye_distance(self) -> float:
        """Inter-ocular distance in pixels: the size measure recognition accuracy tracks."""
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))

    def scaled(self, factor: float, dx: float = 0.0, dy: float = 0.0) -> DetectedFace:
        """The same face in another coordinate frame (``p * factor + (dx, dy)``)."""
        x1, y1, x2, y2 = self.box
        shifted = self.landmarks * factor + np.array([dx, dy], dtype=np.float32)
        return DetectedFace(
            box=(x1 * factor + dx, y1 * factor + dy, x2 * factor + dx, y2 * factor + dy),
            score=self.score,
            landmarks=shifted.astype(np.float32),
        )


class FaceBackend(ABC):
    """A detector plus an embedder whose embeddings are only comparable with each other.

    Embeddings from different backends, or from different ``version`` s of one
    backend, live in different spaces: the roster stores templates per
    ``(name, version)`` and identification never mixes them.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    embedding_dim: ClassVar[int]

    def detect(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        """Faces in an RGB ``HxWx3`` uint8 image, best first.

        Detectors are trained on scenes, so a tightly cropped face (a
        reference photo cut to the face, a cropped screenshot) often yields
        nothing. When that happens the image is retried with a plain border
        of half its size around it, and coordinates are mapped back.
        """
        faces = self.detect_faces(image)
        if faces:
            return faces
        height, width = image.shape[:2]
        pad_y, pad_x = height // 2, width // 2
        padded = np.zeros((height + 2 * pad_y, width + 2 * pad_x, 3), dtype=np.uint8)
        padded[...] = np.median(image.reshape(-1, 3), axis=0).astype(np.uint8)
        padded[pad_y : pad_y + height, pad_x : pad_x + width] = image
        return [f.scaled(1.0, -pad_x, -pad_y) for f in self.detect_faces(padded)]

    @abstractmethod
    def detect_faces(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        """The detector itself, on the image as given."""

    @abstractmethod
    def embed(self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]) -> FloatArray:
        """One L2-normalised row per face, shape ``(len(faces), embedding_dim)``."""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


def l2_normalise(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: FloatArray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised
