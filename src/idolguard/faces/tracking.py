"""Linking face detections across sampled video frames into tracks.

Identity is decided per track, not per frame: one blurred or turned-away
frame should not name a different artist, and a reviewer needs "Artist X,
00:12-00:41" rather than thirty separate detections. Frames are sampled
about once a second, so boxes can move a lot between samples; a detection
joins a track when it overlaps the track's last box *or* looks like the same
person (embedding similarity above the backend's identification threshold),
which also re-joins a person after a cut-away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.gallery import mean_embedding
from idolguard.faces.types import DetectedFace


@dataclass
class Observation:
    time: float
    face: DetectedFace
    embedding: NDArray[np.float32] | None


@dataclass
class Track:
    id: int
    observations: list[Observation] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.observations[0].time

    @property
    def end(self) -> float:
        return self.observations[-1].time

    @property
    def last(self) -> Observation:
        return self.observations[-1]

    @property
    def best(self) -> Observation:
        """The observation to show: the largest, most confident view of the face."""
        return max(self.observations, key=lambda o: o.face.score * o.face.eye_distance)

    def embedding(self) -> NDArray[np.float32] | None:
        vectors = [o.embedding for o in self.observations if o.embedding is not None]
        return mean_embedding(vectors) if vectors else None


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def track_faces(
    frames: Sequence[tuple[float, Sequence[Observation]]],
    *,
    same_person: float,
    different_person: float,
    min_iou: float = 0.3,
    max_gap_seconds: float = 10.0,
) -> list[Track]:
    """Greedy frame-by-frame association.

    ``same_person``: similarity that links detections anywhere in the frame.
    ``different_person``: similarity below which overlapping boxes are still
    split (a cut to another person filmed from the same camera position).
    """
    tracks: list[Track] = []
    for time, observations in frames:
        live = [t for t in tracks if time - t.end <= max_gap_seconds and t.end < time]
        pairs: list[tuple[float, int, int]] = []
        for ti, track in enumerate(live):
            centre = track.embedding()
            for oi, obs in enumerate(observations):
                overlap = iou(track.last.face.box, obs.face.box)
                similarity = (
                    float(centre @ obs.embedding)
                    if centre is not None and obs.embedding is not None
                    else None
                )
                if similarity is not None and similarity < different_person:
                    continue
                if overlap >= min_iou or (similarity is not None and similarity >= same_person):
                    pairs.append((overlap + (similarity or 0.0), ti, oi))
        used_tracks: set[int] = set()
        used_obs: set[int] = set()
        for _, ti, oi in sorted(pairs, reverse=True):
            if ti in used_tracks or oi in used_obs:
                continue
            live[ti].observations.append(observations[oi])
            used_tracks.add(ti)
            used_obs.add(oi)
        for oi, obs in enumerate(observations):
            if oi not in used_obs:
                tracks.append(Track(id=len(tracks), observations=[obs]))
    return tracks
