"""Video probing and frame sampling on small clips written by PyAV in every supported container."""

from __future__ import annotations

import io
import random
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream
from PIL import Image

import idolguard.media.video as video_module
from idolguard.media import (
    FrameSampler,
    MediaError,
    MediaErrorCode,
    MediaLimits,
    MediaType,
    VideoInfo,
    probe_video,
    sample_frames,
    sniff,
)
from tests.robustness.corpus import mp4_claiming_years, video_seed

LIMITS = MediaLimits()
WIDTH, HEIGHT = 320, 240
FPS = 10
SECONDS = 4
CUT_FRAME = 25  # the hard cut happens at 2.5 s


def scene_frame(index: int) -> np.ndarray:
    """A dark scene with a moving bright square, then a hard cut to a bright scene.

    A red marker in the stored top-left corner shows where rotation put it.
    """
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    if index < CUT_FRAME:
        frame = np.stack([20 + 40 * x / WIDTH, 30 + 30 * y / HEIGHT, 70 + 0 * x], axis=-1)
        left = 40 + index * 6
        frame[100:160, left : left + 60] = (230, 230, 210)
    else:
        frame = np.stack([200 + 40 * y / HEIGHT, 190 + 50 * x / WIDTH, 150 + 0 * x], axis=-1)
        centre = 60 + (index - CUT_FRAME) * 8
        frame[(x - centre) ** 2 + (y - 150) ** 2 < 900] = (40, 30, 30)
    frame[0:40, 0:50] = (230, 20, 20)
    result: np.ndarray = np.clip(frame, 0, 255).astype(np.uint8)
    return result


def encode(
    target: Path | io.RawIOBase,
    codec: str,
    *,
    container_format: str | None = None,
    frames: int = FPS * SECONDS,
    rotation: int | None = None,
) -> None:
    with av.open(target, "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=FPS)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = WIDTH, HEIGHT
        stream.pix_fmt = "yuv420p"
        if codec.startswith("libvpx"):
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(scene_frame(index), format="rgb24")
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)


@dataclass(frozen=True)
class Clip:
    path: Path
    fmt: str
    codec: str


CONTAINERS = [
    ("mp4", ".mp4", "libx264", "h264"),
    ("mov", ".mov", "libx264", "h264"),
    ("mkv", ".mkv", "libx264", "h264"),
    ("webm", ".webm", "libvpx-vp9", "vp9"),
    ("avi", ".avi", "mpeg4", "mpeg4"),
]


@pytest.fixture(scope="module", params=CONTAINERS, ids=[c[0] for c in CONTAINERS])
def clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Clip:
    fmt, suffix, encoder, decoder = request.param
    if encoder not in av.codecs_available:
        pytest.skip(f"PyAV's FFmpeg has no {encoder} encoder")
    path = tmp_path_factory.mktemp("clips") / f"clip{suffix}"
    encode(path, encoder)
    return Clip(path, fmt, decoder)


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mp4") / "clip.mp4"
    encode(path, "libx264")
    return path


def test_sniff_real_files(clip: Clip) -> None:
    result = sniff(clip.path, LIMITS)
    assert result.media_type is MediaType.VIDEO
    assert result.format == clip.fmt


def test_probe(clip: Clip) -> None:
    info = probe_video(clip.path, LIMITS)
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    assert info.duration_seconds == pytest.approx(SECONDS, abs=0.15)
    assert info.fps == pytest.approx(FPS, rel=0.01)
    assert info.codec == clip.codec
    assert info.format == clip.fmt
    assert info.frame_count in (None, FPS * SECONDS)
    assert info.rotation == 0


def test_sampling_interval_and_scene(clip: Clip) -> None:
    sampler = sample_frames(clip.path, LIMITS, every_seconds=1.0)
    frames = list(sampler)
    intervals = [f for f in frames if f.reason == "interval"]
    scenes = [f for f in frames if f.reason == "scene"]
    assert [round(f.timestamp, 1) for f in intervals] == [0.0, 1.0, 2.0, 3.0]
    assert len(intervals) == pytest.approx(sampler.info.duration_seconds, abs=1)
    assert len(scenes) == 1
    assert scenes[0].timestamp == pytest.approx(2.5, abs=0.15)
    assert scenes[0].index == CUT_FRAME
    assert [f.index for f in frames] == sorted(f.index for f in frames)
    for frame in frames:
        assert frame.image.mode == "RGB"
        assert frame.image.size == (WIDTH, HEIGHT)  # below max_side: never enlarged
    # Before the cut the frame is dark, after it bright: the right frames were picked.
    assert np.asarray(intervals[2].image).mean() < 110
    assert np.asarray(scenes[0].image).mean() > 150
    assert sampler.warnings == []
    assert not sampler.truncated
    assert sampler.frames_decoded == FPS * SECONDS
    assert sampler.frames_sampled == len(frames)


def test_max_side_is_respected(mp4: Path) -> None:
    frames = list(sample_frames(mp4, LIMITS, max_side=100))
    assert frames
    assert {f.image.size for f in frames} == {(100, 75)}


def test_denser_interval(mp4: Path) -> None:
    frames = list(sample_frames(mp4, LIMITS, every_seconds=0.5))
    intervals = [f.timestamp for f in frames if f.reason == "interval"]
    assert intervals == pytest.approx([0.5 * i for i in range(8)], abs=0.01)


def test_scene_threshold_can_disable_scene_frames(mp4: Path) -> None:
    frames = list(sample_frames(mp4, LIMITS, scene_threshold=1.0))
    assert {f.reason for f in frames} == {"interval"}


def test_sampled_frame_limit(mp4: Path) -> None:
    sampler = sample_frames(mp4, MediaLimits(max_sampled_frames=2))
    assert len(list(sampler)) == 2
    assert any("limit" in warning for warning in sampler.warnings)


def test_too_long(mp4: Path) -> None:
    with pytest.raises(MediaError) as info:
        probe_video(mp4, MediaLimits(max_video_seconds=1.0))
    assert info.value.code is MediaErrorCode.TOO_LONG
    with pytest.raises(MediaError) as info:
        sample_frames(mp4, MediaLimits(max_video_seconds=1.0))
    assert info.value.code is MediaErrorCode.TOO_LONG


def test_too_many_pixels(mp4: Path) -> None:
    with pytest.raises(MediaError) as info:
        probe_video(mp4, MediaLimits(max_video_pixels=100 * 100))
    assert info.value.code is MediaErrorCode.TOO_LARGE
    assert "320x240" in info.value.message


def test_file_size_limit(mp4: Path) -> None:
    with pytest.raises(MediaError) as info:
        probe_video(mp4, MediaLimits(max_file_bytes=1000))
    assert info.value.code is MediaErrorCode.TOO_LARGE


def test_truncated_mp4_is_reported_as_incomplete(mp4: Path, tmp_path: Path) -> None:
    # PyAV writes the index (moov) last, so a cut-off download has none.
    data = mp4.read_bytes()
    cut = tmp_path / "partial.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(MediaError) as info:
        probe_video(cut, LIMITS)
    assert info.value.code is MediaErrorCode.TRUNCATED
    with pytest.raises(MediaError) as info:
        sample_frames(cut, LIMITS)
    assert info.value.code is MediaErrorCode.TRUNCATED


def test_truncated_mkv_yields_what_it_can(tmp_path: Path) -> None:
    full = tmp_path / "full.mkv"
    encode(full, "libx264")
    data = full.read_bytes()
    cut = tmp_path / "partial.mkv"
    cut.write_bytes(data[: len(data) // 2])
    sampler = sample_frames(cut, LIMITS)
    frames = list(sampler)
    assert 1 <= len(frames) < 4
    assert sampler.truncated
    assert any("truncated" in warning for warning in sampler.warnings)


def test_garbage_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(np.random.default_rng(2).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED


def test_mp4_header_followed_by_garbage(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    garbage = np.random.default_rng(3).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + garbage)
    with pytest.raises(MediaError) as info:
        sample_frames(path, LIMITS)
    assert info.value.code is MediaErrorCode.CORRUPT


def test_garbage_after_ebml_header(tmp_path: Path) -> None:
    path = tmp_path / "clip.webm"
    garbage = np.random.default_rng(4).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    path.write_bytes(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + garbage)
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code in (MediaErrorCode.CORRUPT, MediaErrorCode.UNSUPPORTED)


def test_image_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "still.mp4"
    Image.new("RGB", (32, 32), (1, 2, 3)).save(path, "PNG")
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED
    assert "image" in info.value.message


def test_audio_only_mp4(tmp_path: Path) -> None:
    if "aac" not in av.codecs_available:
        pytest.skip("no AAC encoder")
    path = tmp_path / "voice.mp4"
    with av.open(path, "w") as output:
        stream = output.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = np.zeros((1, 1024), dtype=np.float32)
        for index in range(20):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 16000
            frame.pts = index * 1024
            frame.time_base = Fraction(1, 16000)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED
    assert "no video stream" in info.value.message


def test_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as info:
        probe_video(tmp_path / "nope.mp4", LIMITS)
    assert info.value.code is MediaErrorCode.NOT_FOUND
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError) as info:
        sample_frames(empty, LIMITS)
    assert info.value.code is MediaErrorCode.EMPTY


def test_portrait_phone_clip_is_turned_upright(tmp_path: Path) -> None:
    path = tmp_path / "portrait.mp4"
    encode(path, "libx264", rotation=90, frames=12)
    info = probe_video(path, LIMITS)
    assert info.rotation == 90
    assert (info.width, info.height) == (WIDTH, HEIGHT)  # as stored
    frame = next(iter(sample_frames(path, LIMITS)))
    assert frame.image.size == (HEIGHT, WIDTH)
    # Turned 90° counter-clockwise, as FFmpeg's autorotate shows it: the
    # stored top-left marker ends up bottom-left.
    pixels = np.asarray(frame.image).astype(int)
    bottom_left = pixels[-30:, :30]
    assert bottom_left[..., 0].mean() > 180 and bottom_left[..., 1].mean() < 80


class _Unseekable(io.RawIOBase):
    """A sink the muxer cannot seek back in, so no duration or index is written."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += bytes(chunk)
        return len(chunk)


def test_duration_is_measured_when_not_declared(tmp_path: Path) -> None:
    sink = _Unseekable()
    encode(sink, "libx264", container_format="matroska", frames=30)
    path = tmp_path / "live.mkv"
    path.write_bytes(bytes(sink.data))
    info = probe_video(path, LIMITS)
    assert info.duration_seconds == pytest.approx(3.0, abs=0.15)
    assert info.frame_count == 30
    with pytest.raises(MediaError) as error:
        probe_video(path, MediaLimits(max_video_seconds=1.0))
    assert error.value.code is MediaErrorCode.TOO_LONG


def test_single_frame_video(tmp_path: Path) -> None:
    path = tmp_path / "one.mp4"
    encode(path, "libx264", frames=1)
    sampler = sample_frames(path, LIMITS)
    frames = list(sampler)
    assert len(frames) == 1
    assert frames[0].timestamp == 0.0
    assert sampler.warnings == []


def test_early_close_releases_the_file(mp4: Path) -> None:
    with sample_frames(mp4, LIMITS) as sampler:
        assert isinstance(sampler, FrameSampler)
        first = next(sampler)
        assert first.reason == "interval"
    assert list(sampler) == []


def test_invalid_arguments(mp4: Path) -> None:
    with pytest.raises(ValueError, match="every_seconds"):
        sample_frames(mp4, LIMITS, every_seconds=0)
    with pytest.raises(ValueError, match="scene_threshold"):
        sample_frames(mp4, LIMITS, scene_threshold=0)
    with pytest.raises(ValueError, match="max_side"):
        sample_frames(mp4, LIMITS, max_side=0)


def _failing_after(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the decode step fail after ``count`` frames, as a damaged stream would."""
    original = video_module._thumbnail
    calls = {"n": 0}

    def flaky(reformatter: VideoReformatter, frame: av.VideoFrame) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] > count:
            raise ValueError("invalid NAL unit size")
        result: np.ndarray = original(reformatter, frame)
        return result

    monkeypatch.setattr(video_module, "_thumbnail", flaky)


def test_error_before_any_frame_raises(mp4: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_after(0, monkeypatch)
    sampler = sample_frames(mp4, LIMITS)
    with pytest.raises(MediaError) as info:
        next(sampler)
    assert info.value.code is MediaErrorCode.CORRUPT
    # The reviewer reads a sentence; FFmpeg's words are kept for debugging (issue 22 item 4).
    assert "damaged" in info.value.message and "Error" not in info.value.message
    assert info.value.detail == "ValueError: invalid NAL unit size"


def test_error_mid_stream_ends_gracefully(mp4: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_after(15, monkeypatch)
    sampler = sample_frames(mp4, LIMITS)
    frames = list(sampler)
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 1.0])
    assert sampler.truncated
    assert len(sampler.warnings) == 1
    assert sampler.warnings[0] == "decoding stopped at 1.4 s: the rest of the video is damaged"


# ---------------------------------------------------------------- hostile headers (issue 22)
def _years_mp4(tmp_path: Path, mp4: Path, where: str) -> Path:
    path = tmp_path / f"years-{where}.mp4"
    path.write_bytes(mp4_claiming_years(mp4.read_bytes(), where=where))
    return path


@pytest.mark.parametrize("where", ["mvhd", "mdhd"])
def test_an_mp4_header_claiming_years_is_too_long(tmp_path: Path, mp4: Path, where: str) -> None:
    """FFmpeg ignores a movie header of years when the tracks disagree; it was analysed."""
    with pytest.raises(MediaError) as info:
        probe_video(_years_mp4(tmp_path, mp4, where), LIMITS)
    assert info.value.code is MediaErrorCode.TOO_LONG
    assert info.value.message == "video declares 3 years, above the limit of 4.0 h"


def test_an_avi_main_header_claiming_years_is_too_long(tmp_path: Path) -> None:
    """FFmpeg reads an AVI's length from the stream header; the main header's lie was analysed."""
    if "mpeg4" not in av.codecs_available:
        pytest.skip("PyAV's FFmpeg has no mpeg4 encoder")
    data = bytearray(video_seed("avi", random.Random(6)))
    main = data.find(b"avih")
    data[main + 8 + 16 : main + 8 + 20] = struct.pack("<I", 0x7FFFFFFF)  # dwTotalFrames
    path = tmp_path / "years.avi"
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code is MediaErrorCode.TOO_LONG


def test_a_stream_without_codec_context_is_corrupt_not_a_crash(
    mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyAV gives no codec context for damaged streams: "'NoneType' object has no attribute
    'width'" reached reviewers (issue 22 item 4)."""
    monkeypatch.setattr(VideoStream, "codec_context", property(lambda self: None))
    with pytest.raises(MediaError) as info:
        probe_video(mp4, LIMITS)
    assert info.value.code is MediaErrorCode.CORRUPT
    assert info.value.message == "video stream is damaged: its codec cannot be identified"


def test_an_unopenable_video_says_so_in_words(mp4: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyAV's texts ("UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff", from corrupt
    MP4 metadata) reached reviewers; they go to ``detail`` (issue 22 item 4)."""

    def garbled(*args: object, **kwargs: object) -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(video_module.av, "open", garbled)
    with pytest.raises(MediaError) as info:
        probe_video(mp4, LIMITS)
    assert info.value.code is MediaErrorCode.CORRUPT
    assert info.value.message == (
        "video could not be opened: the MP4 file is damaged or is not a valid MP4 video"
    )
    assert info.value.detail is not None
    assert info.value.detail.startswith("UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff")


def test_a_64_bit_movie_header_claiming_years_is_refused_before_ffmpeg(tmp_path: Path) -> None:
    """Version-1 ``mvhd`` (64-bit duration): the limit holds without FFmpeg opening anything."""

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), kind) + body

    years = 10 * 365 * 86400
    mvhd = bytes([1, 0, 0, 0]) + b"\0" * 16 + struct.pack(">IQ", 1000, years * 1000)
    data = box(b"ftyp", b"isom\0\0\0\0isomiso2mp41") + box(b"moov", box(b"mvhd", mvhd + b"\0" * 80))
    path = tmp_path / "v1.mp4"
    path.write_bytes(data + box(b"mdat", b"\0" * 64))
    with pytest.raises(MediaError) as info:
        probe_video(path, LIMITS)
    assert info.value.code is MediaErrorCode.TOO_LONG
    assert info.value.message == "video declares 10 years, above the limit of 4.0 h"
