from __future__ import annotations

import numpy as np

from idolguard.faces.tracking import Observation, iou, track_faces
from idolguard.faces.types import DetectedFace


def face(x: float, y: float, size: float = 50.0, score: float = 0.9) -> DetectedFace:
    landmarks = np.array(
        [[x + 15, y + 20], [x + 35, y + 20], [x + 25, y + 30], [x + 17, y + 40], [x + 33, y + 40]],
        dtype=np.float32,
    )
    return DetectedFace((x, y, x + size, y + size), score, landmarks)


A = np.array([1, 0, 0], dtype=np.float32)
B = np.array([0, 1, 0], dtype=np.float32)


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == 1 / 3


def test_people_who_swap_places_keep_their_tracks() -> None:
    frames = [
        (0.0, [Observation(0.0, face(0, 0), A), Observation(0.0, face(200, 0), B)]),
        (1.0, [Observation(1.0, face(5, 0), A), Observation(1.0, face(205, 0), B)]),
        # A cut: the two people now stand in each other's place.
        (2.0, [Observation(2.0, face(200, 0), A), Observation(2.0, face(5, 0), B)]),
    ]
    tracks = track_faces(frames, same_person=0.5, different_person=0.1)
    assert len(tracks) == 2
    for track in tracks:
        vectors = {tuple(o.embedding) for o in track.observations if o.embedding is not None}
        assert len(vectors) == 1
        assert (track.start, track.end) == (0.0, 2.0)


def test_overlap_links_faces_too_small_to_embed_and_gaps_split() -> None:
    frames = [
        (0.0, [Observation(0.0, face(0, 0), None)]),
        (1.0, [Observation(1.0, face(4, 2), None)]),
        (30.0, [Observation(30.0, face(4, 2), None)]),
    ]
    tracks = track_faces(frames, same_person=0.5, different_person=0.1, max_gap_seconds=10)
    assert [len(t.observations) for t in tracks] == [2, 1]
    assert tracks[0].embedding() is None


def test_best_observation_is_the_biggest_confident_view() -> None:
    frames = [
        (0.0, [Observation(0.0, face(0, 0, size=40, score=0.9), A)]),
        (1.0, [Observation(1.0, face(0, 0, size=40, score=0.95), A)]),
    ]
    track = track_faces(frames, same_person=0.5, different_person=0.1)[0]
    assert track.best.time == 1.0
