"""One manipulation verdict per face track in a video, and the moments that drove it.

Single frames mislead both ways: motion blur, a hand over the mouth or a
compression burst can make one genuine frame look blended, and a good swap
can look clean for a frame or two. A track's score is therefore the median
of its frames' logits (a few bad frames cannot move it), while the time
ranges list where frames were flagged, so a reviewer can jump to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TimeRange:
    start: float
    end: float
    peak: float  # highest frame probability inside the range
    frames: int


@dataclass(frozen=True)
class TrackVerdict:
    logit: float
    probability: float
    frames: int
    flagged_frames: int
    ranges: list[TimeRange]
    peak_index: int  # the frame with the highest probability


def aggregate_track(
    times: Sequence[float],
    logits: Sequence[float],
    *,
    probability: Callable[[float], float],
    threshold: float,
    every_seconds: float,
) -> TrackVerdict:
    """Median-logit verdict for one track plus merged ranges of flagged frames.

    Flagged frames closer than two sampling intervals apart join one range; a
    range ends one interval after its last flagged frame (the frame stands
    for the time until the next sample).
    """
    if len(times) != len(logits) or not times:
        raise ValueError("a track needs one logit per observation, and at least one")
    order = np.argsort(np.asarray(times, dtype=np.float64), kind="stable")
    t = [float(times[i]) for i in order]
    p = [probability(float(logits[i])) for i in order]
    median = float(np.median(np.asarray(logits, dtype=np.float64)))
    ranges: list[TimeRange] = []
    current: list[int] = []

    def close() -> None:
        if current:
            ranges.append(
                TimeRange(
                    start=round(t[current[0]], 3),
                    end=round(t[current[-1]] + every_seconds, 3),
                    peak=round(max(p[i] for i in current), 4),
                    frames=len(current),
                )
            )
            current.clear()

    for i in range(len(t)):
        if p[i] < threshold:
            continue
        if current and t[i] - t[current[-1]] > 2 * every_seconds + 1e-6:
            close()
        current.append(i)
    close()
    return TrackVerdict(
        logit=median,
        probability=probability(median),
        frames=len(t),
        flagged_frames=sum(1 for v in p if v >= threshold),
        ranges=ranges,
        peak_index=int(order[int(np.argmax(p))]),
    )
