"""Short windows of densely sampled frames, read in one pass over the file.

The one-frame-per-second sampling that identity and blending use cannot see
motion: a lip movement lasts a tenth of a second. So every ``every_seconds``
a ``window_seconds`` stretch is taken at ``fps`` frames per second, scaled
down to ``max_side`` pixels (motion and five landmarks need no detail).
Everything is decoded once, sequentially, on one thread, because seeking in
long-GOP files costs more than it saves for short clips.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

WINDOW_SECONDS = 1.5
WINDOW_FPS = 10.0
WINDOW_EVERY_SECONDS = 2.0
WINDOW_MAX_SIDE = 320
MAX_WINDOWS = 60  # a long clip is covered more sparsely rather than more slowly


@dataclass
class DenseWindow:
    """Frames of one window: RGB at analysis size, their times and the scale used."""

    start: float
    times: list[float] = field(default_factory=list)
    frames: list[NDArray[np.uint8]] = field(default_factory=list)
    scale: float = 1.0  # analysis pixels per source pixel

    @property
    def end(self) -> float:
        return self.times[-1] if self.times else self.start


def plan_windows(
    duration: float,
    *,
    window_seconds: float = WINDOW_SECONDS,
    every_seconds: float = WINDOW_EVERY_SECONDS,
    max_windows: int = MAX_WINDOWS,
) -> list[float]:
    """Start times of the windows: evenly spread, the first at 0, none past the end."""
    if not duration > 0 or not math.isfinite(duration):
        return [0.0]
    last_start = max(0.0, duration - window_seconds)
    count = int(last_start // every_seconds) + 1
    if count <= max_windows:
        return [round(i * every_seconds, 3) for i in range(count)]
    step = last_start / (max_windows - 1)
    return [round(i * step, 3) for i in range(max_windows)]


def read_windows(
    path: Path,
    starts: list[float],
    *,
    window_seconds: float = WINDOW_SECONDS,
    fps: float = WINDOW_FPS,
    max_side: int = WINDOW_MAX_SIDE,
) -> list[DenseWindow]:
    """All windows of ``path`` at once (tests, training); see ``iter_windows``."""
    return list(
        iter_windows(path, starts, window_seconds=window_seconds, fps=fps, max_side=max_side)
    )


def iter_windows(
    path: Path,
    starts: list[float],
    *,
    window_seconds: float = WINDOW_SECONDS,
    fps: float = WINDOW_FPS,
    max_side: int = WINDOW_MAX_SIDE,
) -> Iterator[DenseWindow]:
    """Decode ``path`` once, yielding each window as soon as it is complete.

    One window's frames are held at a time, so a long clip costs no more
    memory than a short one. A decode error ends the reading and keeps what
    was read: the caller has already validated the file, and a truncated
    tail should not cost the windows before it. A file that cannot be
    opened at all yields nothing.
    """
    pending = sorted(starts)
    if not pending:
        return
    step = 1.0 / fps
    window = DenseWindow(start=pending.pop(0))
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError):
        return
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        stream.thread_count = 1
        first: float | None = None
        rate = float(stream.average_rate or 0) or 25.0
        frame_gap = min(step, 1.0 / rate)
        size: tuple[int, int] | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                raw = frame.time
                if raw is None or not math.isfinite(raw):
                    raw = index / rate
                if first is None:
                    first = raw
                t = raw - first
                while t > window.start + window_seconds:
                    if len(window.times) >= 2:
                        yield window
                    if not pending:
                        return
                    window = DenseWindow(start=pending.pop(0))
                if t + 1e-6 < window.start:
                    continue
                due = window.start + len(window.times) * step
                if window.times and t + 0.5 * frame_gap <= due + 1e-6:
                    continue  # a frame nearer the next due time is still to come
                if size is None:
                    scale = min(1.0, max_side / max(frame.width, frame.height))
                    size = (max(2, round(frame.width * scale)), max(2, round(frame.height * scale)))
                width, height = size
                window.scale = width / frame.width
                window.times.append(round(t, 3))
                pixels = frame.to_ndarray(format="rgb24", width=width, height=height)
                window.frames.append(np.asarray(pixels, dtype=np.uint8))
        except (av.error.FFmpegError, ValueError):
            pass
    if len(window.times) >= 2:
        yield window
