"""Temporal evidence for each face track of a video, as the manipulation signal reports it.

One decoding pass reads the dense windows; each track the faces signal
found is then followed through them, measured and scored by the shipped
temporal model. The result says, per track, the calibrated score, the
windows that drove it (with the two measurements that pushed each one up
most) and a per-second strip a reviewer can scan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.types import FaceBackendError
from idolguard.forensics.temporal.extract import WindowMeasurement, dense_detector, measure_window
from idolguard.forensics.temporal.landmarks import Detector, Mesher, track_expectation
from idolguard.forensics.temporal.mesh import FaceMesh
from idolguard.forensics.temporal.model import (
    TemporalModel,
    TemporalVerdict,
    judge,
    load_temporal_model,
)
from idolguard.forensics.temporal.windows import iter_windows, plan_windows

# A track: its 1 fps observations as (time, five landmarks in source pixels).
TrackObservations = Sequence[tuple[float, NDArray[np.float64]]]


class TemporalEvidence:
    """Loads the detector and the model once; scores the tracks of one video per call."""

    def __init__(self, threads: int = 1, model: TemporalModel | None = None) -> None:
        self.threads = threads
        self.model = model or load_temporal_model()
        self._detector: Detector | None = None
        self._mesh: Mesher | None = None

    @property
    def name(self) -> str:
        return f"temporal@{self.model.version}"

    def detector(self) -> tuple[Detector, Mesher]:
        """SCRFD and the face mesh, loaded on the first video (FaceBackendError if missing)."""
        if self._detector is None or self._mesh is None:
            self._detector = dense_detector(self.threads)
            self._mesh = FaceMesh(self.threads)
        return self._detector, self._mesh

    def tracks(
        self, path: Path, duration: float, tracks: Sequence[TrackObservations]
    ) -> list[dict[str, Any]]:
        """One JSON entry per track, in order (``score`` None where nothing could be measured)."""
        if not tracks:
            return []
        try:
            detect, mesh = self.detector()
        except FaceBackendError as exc:
            return [_unmeasured(f"no landmark detector: {exc}") for _ in tracks]
        expected = [track_expectation(list(observations)) for observations in tracks]
        measured: list[list[WindowMeasurement]] = [[] for _ in tracks]
        for window in iter_windows(path, plan_windows(duration)):  # one window in memory
            for index, where in enumerate(expected):
                found = measure_window(window, detect, where, mesh)
                if found is not None:
                    measured[index].append(found)
        out = []
        for windows in measured:
            verdict = judge(self.model, windows)
            out.append(
                self._entry(verdict) if verdict else _unmeasured("face not followed in any window")
            )
        return out

    def _entry(self, verdict: TemporalVerdict) -> dict[str, Any]:
        return {
            "model": self.name,
            "score": verdict.probability,
            "flagged": verdict.flagged,
            "threshold": round(self.model.threshold, 4),
            "windows": [
                {"start": w.start, "end": w.end, "score": w.probability, "drivers": w.top}
                for w in verdict.windows
            ],
            "ranges": verdict.ranges,
        }


def _unmeasured(note: str) -> dict[str, Any]:
    return {"score": None, "flagged": False, "windows": [], "ranges": [], "note": note}


def per_second(
    duration: float,
    frame_times: Sequence[float],
    frame_scores: Sequence[float],
    windows: Sequence[dict[str, Any]],
) -> dict[str, list[float | None]]:
    """The review strip: for each second, the highest frame score and window score in it.

    None where that second had no sampled frame or window, so a gap is not
    drawn as a clean score.
    """
    seconds = max(1, math.ceil(duration)) if math.isfinite(duration) and duration > 0 else 1
    frames: list[float | None] = [None] * seconds
    motion: list[float | None] = [None] * seconds
    for t, p in zip(frame_times, frame_scores, strict=True):
        s = min(seconds - 1, max(0, int(t)))
        frames[s] = round(max(frames[s] or 0.0, float(p)), 4)
    for w in windows:
        if w.get("score") is None:
            continue
        first = max(0, int(w["start"]))
        last = min(seconds - 1, int(max(w["start"], w["end"] - 1e-6)))
        for s in range(first, last + 1):
            motion[s] = round(max(motion[s] or 0.0, float(w["score"])), 4)
    return {"frames": frames, "motion": motion}


def score_jitter(scores: Sequence[float]) -> float | None:
    """Mean jump of the per-frame blending score between consecutive sampled frames.

    Face swaps flicker: the blending evidence comes and goes from frame to
    frame. Shown to the reviewer beside the track; not part of any score.
    """
    if len(scores) < 2:
        return None
    return round(float(np.mean(np.abs(np.diff(np.asarray(scores, dtype=np.float64))))), 4)
