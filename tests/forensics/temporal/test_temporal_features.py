"""Window measurements on drawn frames with known landmarks (no detector, no real faces)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.types import DetectedFace
from idolguard.forensics.temporal.features import FEATURES, window_features
from idolguard.forensics.temporal.landmarks import WindowTrack, follow, track_expectation
from idolguard.forensics.temporal.windows import DenseWindow

N = 15
SIZE = (160, 200)  # height, width
BASE = np.asarray([[-10, 0], [10, 0], [0, 10], [-8, 20], [8, 20]], dtype=np.float64)


def _scene(
    head: NDArray[np.float64], body: NDArray[np.float64], mouth: NDArray[np.float64]
) -> tuple[DenseWindow, WindowTrack]:
    """A textured 'head' square and 'shoulders' block on a textured wall, moved as told."""
    rng = np.random.default_rng(0)
    wall = rng.integers(0, 255, SIZE, dtype=np.uint8)
    face_tex = rng.integers(0, 255, (50, 50), dtype=np.uint8)
    body_tex = rng.integers(0, 255, (50, 120), dtype=np.uint8)
    frames, marks = [], []
    for i in range(N):
        grey = wall.copy()
        bx, by = (np.asarray([40, 80]) + body[i]).astype(int)
        grey[by : by + 50, bx : bx + 120] = body_tex
        hx, hy = (np.asarray([75, 10]) + head[i]).astype(int)
        grey[hy : hy + 50, hx : hx + 50] = face_tex
        frames.append(np.repeat(grey[:, :, None], 3, axis=2))
        points = BASE.copy()
        points[3, 0] -= mouth[i]
        points[4, 0] += mouth[i]
        marks.append(points + np.asarray([hx + 25, hy + 15]))
    times = np.arange(N) / 10.0
    window = DenseWindow(0.0, list(times), frames, 1.0)
    return window, WindowTrack(times, np.asarray(marks), np.full(N, 0.9))


def _still() -> NDArray[np.float64]:
    return np.zeros((N, 2))


def _swing() -> NDArray[np.float64]:
    x = np.round(4 * np.sin(np.arange(N) * 0.9))
    return np.stack([x, np.zeros(N)], axis=1)


def test_measurements_are_all_there_and_finite() -> None:
    values = window_features(*_scene(_swing(), _swing(), np.sin(np.arange(N))))
    assert values is not None and tuple(values) == FEATURES
    assert all(np.isfinite(v) for v in values.values())


def test_a_still_mouth_has_no_lip_speed_and_a_talking_one_has() -> None:
    still = window_features(*_scene(_still(), _still(), np.zeros(N)))
    talking = window_features(*_scene(_still(), _still(), 3 * np.abs(np.sin(np.arange(N)))))
    assert still is not None and talking is not None
    assert still["lip_speed"] == 0.0 and talking["lip_speed"] > 0.5


def test_a_head_moving_over_frozen_shoulders_is_told_from_a_whole_body_moving() -> None:
    animated = window_features(*_scene(_swing(), _still(), np.zeros(N)))
    together = window_features(*_scene(_swing(), _swing(), np.zeros(N)))
    assert animated is not None and together is not None
    assert animated["head_speed"] > 0.5 and together["head_speed"] > 0.5
    assert together["body_follow"] > 0.8 > animated["body_follow"]
    assert together["body_shift_ratio"] > animated["body_shift_ratio"] + 1.0
    assert together["body_change_ratio"] > animated["body_change_ratio"]


def test_too_few_found_frames_give_no_measurement() -> None:
    window, track = _scene(_still(), _still(), np.zeros(N))
    lost = track.landmarks.copy()
    lost[3:] = np.nan
    assert window_features(window, WindowTrack(track.times, lost, track.scores)) is None


def test_following_keeps_the_tracked_face_and_skips_frames_where_only_others_are() -> None:
    window = DenseWindow(0.0, [0.0, 0.1, 0.2], [np.zeros((100, 200, 3), np.uint8)] * 3, 0.5)

    def face_at(x: float) -> DetectedFace:
        marks = (BASE / 4 + np.asarray([x, 50])).astype(np.float32)
        return DetectedFace((x - 10, 40, x + 10, 60), 0.9, marks)

    calls = iter([[face_at(40), face_at(150)], [face_at(150)], [face_at(42), face_at(150)]])
    expected = track_expectation(
        [(0.0, np.asarray([[70, 100], [90, 100]])), (1.0, np.asarray([[70, 100], [90, 100]]))]
    )
    track = follow(window, lambda _frame: next(calls), expected)
    assert list(track.found) == [True, False, True]
    assert abs(track.landmarks[0, :2, 0].mean() - 40) < 1  # the one near (80, 100) / 2
