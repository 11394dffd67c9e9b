"""One face track's five landmarks through the dense frames of a window.

The faces signal follows tracks at one frame per second; between those
observations the face is found again in every dense frame with the same
SCRFD detector (at a small input size: the windows are small) and the
detection nearest to where the track is expected is kept. Without a track
(training, benchmarks on single-speaker clips) the largest face is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.types import DetectedFace
from idolguard.forensics.temporal.windows import DenseWindow

Detector = Callable[[NDArray[np.uint8]], list[DetectedFace]]
# The 468-point mesh of a detected face in a frame (``mesh.FaceMesh``).
Mesher = Callable[[NDArray[np.uint8], DetectedFace], NDArray[np.float64]]
# Where the track's eye centre is expected at a time, in source pixels (None: unknown).
Expected = Callable[[float], NDArray[np.float64] | None]


@dataclass(frozen=True)
class WindowTrack:
    """The followed face in one window: per-frame landmarks (NaN where it was not found)."""

    times: NDArray[np.float64]  # (n,)
    landmarks: NDArray[np.float64]  # (n, 5, 2) in analysis pixels
    scores: NDArray[np.float64]  # (n,) detector confidence, NaN where missing
    mesh: NDArray[np.float64] | None = None  # (n, 468, 2) in the aligned crop's frame, or None

    @property
    def found(self) -> NDArray[np.bool_]:
        return np.isfinite(self.landmarks[:, 0, 0])


def follow(
    window: DenseWindow,
    detect: Detector,
    expected: Expected | None = None,
    mesh: Mesher | None = None,
) -> WindowTrack:
    """Landmarks (and, with ``mesh``, the 468-point mesh) of the tracked face in each frame."""
    n = len(window.frames)
    marks = np.full((n, 5, 2), np.nan)
    points = np.full((n, 468, 2), np.nan) if mesh is not None else None
    scores = np.full(n, np.nan)
    previous: NDArray[np.float64] | None = None
    for i, (t, frame) in enumerate(zip(window.times, window.frames, strict=True)):
        faces = detect(frame)
        if not faces:
            continue
        target = expected(t) if expected is not None else None
        if target is not None:
            target = target * window.scale
        elif previous is not None:
            target = previous
        if target is None:
            chosen = max(faces, key=lambda f: f.width * f.height)
        else:
            chosen = min(faces, key=lambda f: float(np.linalg.norm(_eye_centre(f) - target)))
            eyes = float(np.linalg.norm(chosen.landmarks[1] - chosen.landmarks[0]))
            if np.linalg.norm(_eye_centre(chosen) - target) > 2.0 * max(eyes, 4.0):
                continue  # someone else: the tracked face is hidden in this frame
        marks[i] = chosen.landmarks
        scores[i] = chosen.score
        if points is not None and mesh is not None:
            points[i] = mesh(frame, chosen)
        previous = _eye_centre(chosen)
    return WindowTrack(np.asarray(window.times, dtype=np.float64), marks, scores, points)


def _eye_centre(face: DetectedFace) -> NDArray[np.float64]:
    centre: NDArray[np.float64] = np.asarray(face.landmarks[:2], dtype=np.float64).mean(axis=0)
    return centre


def track_expectation(
    observations: list[tuple[float, NDArray[np.float64]]],
) -> Expected:
    """Linear interpolation of the eye centre between the track's 1 fps observations."""
    if not observations:
        return lambda _t: None
    times = np.asarray([t for t, _ in observations], dtype=np.float64)
    centres = np.stack([np.asarray(m, dtype=np.float64)[:2].mean(axis=0) for _, m in observations])

    def at(t: float) -> NDArray[np.float64] | None:
        if t < times[0] - 1.5 or t > times[-1] + 1.5:
            return None
        x = float(np.interp(t, times, centres[:, 0]))
        y = float(np.interp(t, times, centres[:, 1]))
        return np.asarray([x, y])

    return at
