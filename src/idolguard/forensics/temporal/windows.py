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
    """Decode ``path`` once and keep the frames that fall in the windows.

    A decode error ends the reading and keeps what was read: the caller has
    already validated the file, and a truncated tail should not cost the
    windows before it.
    """
    windows = [DenseWindow(start=s) for s in sorted(starts)]
    if not windows:
        return []
    step = 1.0 / fps
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        stream.thread_count = 1
        first: float | None = None
        rate = float(stream.average_rate or 0) or 25.0
        frame_gap = min(step, 1.0 / rate)
        current = 0
        size: tuple[int, int] | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                raw = frame.time
                if raw is None or not math.isfinite(raw):
                    raw = index / rate
                if first is None:
                    first = raw
                t = raw - first
                while current < len(windows) and t > windows[current].start + window_seconds:
                    current += 1
                if current >= len(windows):
                    break
                window = windows[current]
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
    return [w for w in windows if len(w.times) >= 2]
