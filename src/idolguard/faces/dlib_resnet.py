"""The ``dlib`` backend: permissively licensed end to end.

dlib's HOG detector and 5-point shape predictor find and align faces, and
its ResNet (LFW 99.38 % published) embeds them; the models are CC0 and dlib
is Boost-licensed. The 68-point predictor shipped next to them is *not*
used: it was trained on iBUG 300-W, whose licence excludes commercial use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import package_file
from idolguard.faces.types import (
    DetectedFace,
    FaceBackend,
    FaceBackendError,
    FloatArray,
    l2_normalise,
)

_MODELS = "face_recognition_models"


class DlibBackend(FaceBackend):
    name = "dlib"
    version = "1"
    embedding_dim = 128

    def __init__(self, *, threads: int = 1, detector_side: int = 800) -> None:
        try:
            import dlib
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise FaceBackendError("the dlib backend needs the dlib-bin package") from exc
        self._dlib: Any = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._shapes = dlib.shape_predictor(
            str(package_file(_MODELS, "models", "shape_predictor_5_face_landmarks.dat"))
        )
        self._embedder = dlib.face_recognition_model_v1(
            str(package_file(_MODELS, "models", "dlib_face_recognition_resnet_model_v1.dat"))
        )
        self.detector_side = detector_side
        del threads  # dlib picks its own; it is single-threaded for these calls

    def detect_faces(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        height, width = image.shape[:2]
        scale = min(1.0, self.detector_side / max(height, width))
        small = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
        rects, scores, _ = self._detector.run(np.ascontiguousarray(small), 1, 0.0)
        faces = []
        for rect, score in sorted(zip(rects, scores, strict=True), key=lambda p: -p[1]):
            box = (rect.left(), rect.top(), rect.right(), rect.bottom())
            x1, y1, x2, y2 = (v / scale for v in box)
            full = (x1, y1, x2, y2)
            faces.append(
                DetectedFace(
                    box=full,
                    # HOG margins are unbounded; squash to (0, 1) so thresholds mean the same.
                    score=float(1.0 / (1.0 + np.exp(-2.0 * score))),
                    landmarks=self._five_points(image, full),
                )
            )
        return faces

    def embed(self, image: NDArray[np.uint8], faces: Sequence[DetectedFace]) -> FloatArray:
        if not faces:
            return np.zeros((0, self.embedding_dim), dtype=np.float32)
        pixels = np.ascontiguousarray(image)
        shapes = [self._shapes(pixels, self._rect(face.box)) for face in faces]
        chips = self._dlib.get_face_chips(pixels, self._dlib.full_object_detections(shapes), 150)
        vectors = np.array(self._embedder.compute_face_descriptor(chips), dtype=np.float32)
        # dlib descriptors are compared by Euclidean distance on unit-ish
        # vectors; normalising makes cosine equivalent and the gallery generic.
        return l2_normalise(vectors)

    def _rect(self, box: tuple[float, float, float, float]) -> Any:
        x1, y1, x2, y2 = (round(v) for v in box)
        return self._dlib.rectangle(x1, y1, x2, y2)

    def _five_points(
        self, image: NDArray[np.uint8], box: tuple[float, float, float, float]
    ) -> FloatArray:
        """Eye centres, nose and mouth corners in the shared five-point convention.

        dlib's predictor gives eye corners and the base of the nose, not the
        mouth; the mouth corners are placed from the eye-nose geometry, which
        is good enough for the size and blur checks that use them.
        """
        shape = self._shapes(np.ascontiguousarray(image), self._rect(box))
        pts = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=np.float32)
        eyes = sorted([pts[0:2].mean(axis=0), pts[2:4].mean(axis=0)], key=lambda p: float(p[0]))
        nose = pts[4]
        centre = (eyes[0] + eyes[1]) / 2
        down = nose - centre
        across = (eyes[1] - eyes[0]) * 0.4
        mouth = nose + down * 0.55
        return np.array([eyes[0], eyes[1], nose, mouth - across, mouth + across], dtype=np.float32)
