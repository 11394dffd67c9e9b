from __future__ import annotations

import math

import pytest

from idolguard.forensics.tracks import aggregate_track


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_a_few_bad_frames_do_not_move_the_verdict() -> None:
    times = [float(t) for t in range(10)]
    logits = [-3.0] * 8 + [6.0, 6.0]  # two blurry frames look blended
    verdict = aggregate_track(times, logits, probability=sigmoid, threshold=0.5, every_seconds=1.0)
    assert verdict.probability < 0.1
    assert verdict.flagged_frames == 2
    assert [(r.start, r.end, r.frames) for r in verdict.ranges] == [(8.0, 10.0, 2)]
    assert verdict.peak_index == 8


def test_a_manipulated_track_is_flagged_with_its_ranges() -> None:
    times = [0.0, 1.0, 2.0, 3.0, 7.0, 8.0, 9.0]
    logits = [4.0, 5.0, -4.0, 4.0, 3.0, 3.0, -1.0]
    verdict = aggregate_track(times, logits, probability=sigmoid, threshold=0.5, every_seconds=1.0)
    assert verdict.probability == pytest.approx(sigmoid(3.0))
    # 0-1 and 3 are 2 s apart (within two intervals): one range; 7-8 is another.
    assert [(r.start, r.end) for r in verdict.ranges] == [(0.0, 4.0), (7.0, 9.0)]
    assert verdict.ranges[0].peak == pytest.approx(sigmoid(5.0), abs=1e-4)


def test_unordered_observations_are_sorted() -> None:
    verdict = aggregate_track(
        [2.0, 0.0, 1.0], [5.0, 5.0, 5.0], probability=sigmoid, threshold=0.5, every_seconds=1.0
    )
    assert [(r.start, r.end) for r in verdict.ranges] == [(0.0, 3.0)]


def test_empty_or_mismatched_tracks_are_refused() -> None:
    with pytest.raises(ValueError):
        aggregate_track([], [], probability=sigmoid, threshold=0.5, every_seconds=1.0)
    with pytest.raises(ValueError):
        aggregate_track([0.0], [1.0, 2.0], probability=sigmoid, threshold=0.5, every_seconds=1.0)
