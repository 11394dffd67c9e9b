"""Dense windows: where they start, and which frames a single decoding pass keeps."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from idolguard.forensics.temporal.windows import plan_windows, read_windows


def _clip(path: Path, seconds: float, fps: int = 25, size: tuple[int, int] = (640, 360)) -> None:
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(int(seconds * fps)):
            pixels = np.full((height, width, 3), (i * 7) % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, "rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_windows_are_spread_every_few_seconds_and_stay_inside_the_clip() -> None:
    assert plan_windows(10.0, window_seconds=1.5, every_seconds=2.0) == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert plan_windows(1.0) == [0.0]
    assert plan_windows(float("nan")) == [0.0]
    long = plan_windows(3600.0, window_seconds=1.5, every_seconds=2.0, max_windows=10)
    assert len(long) == 10 and long[0] == 0.0 and long[-1] <= 3600.0 - 1.5


def test_one_pass_keeps_frames_at_the_window_rate_and_size(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    _clip(clip, seconds=5.0)
    windows = read_windows(clip, [0.0, 3.0], window_seconds=1.0, fps=10.0, max_side=160)
    assert [w.start for w in windows] == [0.0, 3.0]
    for window in windows:
        assert 9 <= len(window.times) <= 11  # about 10 fps out of 25
        assert all(window.start - 1e-6 <= t <= window.start + 1.0 for t in window.times)
        assert np.all(np.diff(window.times) >= 0.06)
        assert window.frames[0].shape == (90, 160, 3)
        assert window.scale == 160 / 640


def test_windows_past_the_end_are_dropped(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    _clip(clip, seconds=2.0, size=(160, 120))
    windows = read_windows(clip, [0.0, 10.0], window_seconds=1.0)
    assert [w.start for w in windows] == [0.0]


def test_an_unreadable_file_gives_no_window_rather_than_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 64)
    assert read_windows(broken, [0.0]) == []
