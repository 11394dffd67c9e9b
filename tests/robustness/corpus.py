"""Generated hostile media: seeds of every supported format and mutations of them.

Everything is made at test time from synthetic pixels (noise and gradients),
never from photos of people. The same generator feeds the CI corpus
(``test_fuzz_media.py``) and the long runs (``benchmarks/fuzz_media.py``).

Inputs that found bugs are kept as generators, not blobs: ``ODD_NAMES[0]``
(a name that is not UTF-8 killed the scan), ``_loop`` (a symbolic link to
itself stopped discovery), ``mp4_claiming_years`` and the AVI main-header lie
(analysed instead of ``too_long``), all from issue 22.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

from idolguard.media import MediaErrorCode
from idolguard.pipeline.records import FileRecord

DOCUMENTED_CODES = frozenset(code.value for code in MediaErrorCode)
# What a programmer's message looks like: an exception class, a traceback, bytes.
UNCLEAR = re.compile(
    r"Traceback|\w+(Error|Exception)\b|\bb'|\bb\"|\\x[0-9a-f]{2}|NoneType|object has no attribute"
)


def unclear(record: FileRecord) -> str | None:
    """Why this record's error would confuse a reviewer, or None when it is clear (or absent)."""
    if record.error is None:
        return None
    if record.error_code not in DOCUMENTED_CODES:
        return f"undocumented code {record.error_code!r}"
    if UNCLEAR.search(record.error):
        return f"technical text in the message: {record.error!r}"
    return None


IMAGE_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "jpg": ("JPEG", {"quality": 85}),
    "progressive.jpg": ("JPEG", {"quality": 80, "progressive": True}),
    "png": ("PNG", {}),
    "webp": ("WEBP", {"quality": 80}),
    "gif": ("GIF", {}),
    "bmp": ("BMP", {}),
    "tiff": ("TIFF", {"compression": "tiff_deflate"}),
}
VIDEO_FORMATS: dict[str, tuple[str, str]] = {
    "mp4": ("mp4", "libx264"),
    "mov": ("mov", "libx264"),
    "mkv": ("matroska", "libx264"),
    "webm": ("webm", "libvpx-vp9"),
    "avi": ("avi", "mpeg4"),
}


def pixels(rng: random.Random, width: int = 96, height: int = 72) -> np.ndarray:
    """Noise over a gradient: texture for the hashes, nothing resembling a person."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([255 * x / width, 255 * y / height, 128 + 0 * x], axis=-1)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 25, base.shape)
    result: np.ndarray = np.clip(base + noise, 0, 255).astype(np.uint8)
    return result


# Made only where this installation can write them (Pillow's AVIF, pillow-heif's HEIC).
OPTIONAL_IMAGE_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "avif": ("AVIF", {"quality": 60}),
    "heic": ("HEIF", {"quality": 60}),
}


def _can_write(pil_format: str) -> bool:
    if pil_format == "HEIF":
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:
            return False
    Image.init()
    return pil_format in Image.SAVE


def image_seed(suffix: str, rng: random.Random) -> bytes:
    pil_format, options = {**IMAGE_FORMATS, **OPTIONAL_IMAGE_FORMATS}[suffix]
    buffer = io.BytesIO()
    Image.fromarray(pixels(rng)).save(buffer, format=pil_format, **options)
    return buffer.getvalue()


def video_seed(suffix: str, rng: random.Random, frames: int = 12) -> bytes:
    container_format, codec = VIDEO_FORMATS[suffix]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=6)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = 96, 72, "yuv420p"
        if codec.startswith("libvpx"):
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(pixels(rng), format="rgb24")
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def seeds(rng: random.Random) -> dict[str, bytes]:
    """One valid file per supported format (those this PyAV build can encode)."""
    out = {f"seed.{suffix}": image_seed(suffix, rng) for suffix in IMAGE_FORMATS}
    for suffix, (pil_format, _) in OPTIONAL_IMAGE_FORMATS.items():
        if _can_write(pil_format):
            out[f"seed.{suffix}"] = image_seed(suffix, rng)
    for suffix, (_, codec) in VIDEO_FORMATS.items():
        if codec in av.codecs_available:
            out[f"seed.{suffix}"] = video_seed(suffix, rng)
    return out


# ------------------------------------------------------------------ mutations
def bit_flips(data: bytes, rng: random.Random, count: int = 8) -> bytes:
    buffer = bytearray(data)
    for _ in range(count):
        position = rng.randrange(len(buffer))
        buffer[position] ^= 1 << rng.randrange(8)
    return bytes(buffer)


def header_flips(data: bytes, rng: random.Random) -> bytes:
    """Flips in the first 512 bytes, where the structure (and the lies) live."""
    buffer = bytearray(data)
    for _ in range(4):
        position = rng.randrange(min(len(buffer), 512))
        buffer[position] = rng.randrange(256)
    return bytes(buffer)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def splice(data: bytes, rng: random.Random) -> bytes:
    """A block of the file repeated or dropped: boxes and chunks that disagree with their sizes."""
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randrange(1, 256))
    if rng.random() < 0.5:
        return data[:end] + data[start:end] * rng.randrange(2, 20) + data[end:]
    return data[:start] + data[end:]


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": bit_flips,
    "header": header_flips,
    "truncate": truncate,
    "splice": splice,
}


# ------------------------------------------------------------------ header lies
YEARS = 3 * 365 * 86400


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset, size) of the ISO BMFF boxes between ``start`` and ``end``."""
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if size < 8:
            return
        yield kind, position, size
        position += size


def mp4_claiming_years(mp4: bytes, *, where: str = "both") -> bytes:
    """An MP4 whose movie header (``mvhd``) and/or media header (``mdhd``) claim years.

    Found issue 22 item 6: the duration was taken from the stream alone, so a
    container of years (or a stream of years behind a sane container) was decoded.
    """
    buffer = bytearray(mp4)

    def walk(start: int, end: int) -> None:
        for kind, offset, size in _boxes(bytes(buffer), start, end):
            if kind in (b"moov", b"trak", b"mdia"):
                walk(offset + 8, offset + size)
            elif kind in (b"mvhd", b"mdhd") and (where == "both" or kind.decode() == where):
                version = buffer[offset + 8]
                if version == 0:  # timescale at +20, duration (32 bits) at +24
                    timescale = struct.unpack(">I", buffer[offset + 20 : offset + 24])[0]
                    value = min(0xFFFFFFFF, YEARS * max(1, timescale))
                    buffer[offset + 24 : offset + 28] = struct.pack(">I", value)
                    if value < YEARS * timescale:  # 32 bits cannot say years: slow the clock
                        buffer[offset + 20 : offset + 24] = struct.pack(">I", 1)
                        buffer[offset + 24 : offset + 28] = struct.pack(">I", YEARS)
                else:  # version 1: timescale at +28, duration (64 bits) at +32
                    timescale = struct.unpack(">I", buffer[offset + 28 : offset + 32])[0]
                    buffer[offset + 32 : offset + 40] = struct.pack(">Q", YEARS * max(1, timescale))

    walk(0, len(buffer))
    return bytes(buffer)


def avi_claiming_years(avi: bytes) -> bytes:
    """An AVI whose main header and stream header claim years of frames (issue 22 item 6)."""
    buffer = bytearray(avi)
    frames = struct.pack("<I", 0x7FFFFFFF)
    main = buffer.find(b"avih")
    if main >= 0:  # dwTotalFrames is the fifth DWORD of MainAVIHeader
        buffer[main + 8 + 16 : main + 8 + 20] = frames
    stream = buffer.find(b"strh")
    if (
        stream >= 0
    ):  # dwLength: after fccType, fccHandler, flags, prio+lang, initial, scale, rate, start
        buffer[stream + 8 + 32 : stream + 8 + 36] = frames
    return bytes(buffer)


# ------------------------------------------------------------------ odd names and files
ODD_NAMES: tuple[bytes, ...] = (
    b"bad\xff\xfename.jpg",  # not UTF-8 (zip and Telegram exports); issue 22 item 1
    b"latin1-caf\xe9.png",
    "한국어 이름 🎤.jpg".encode(),
    b"line\nbreak.jpg",
    b"[bold]markup[-bold].jpg",
    b"-dash-first.jpg",
    b" spaced .jpg",
)


@dataclass(frozen=True)
class Special:
    name: str
    make: Callable[[Path, bytes], Path]


def _fifo(folder: Path, _: bytes) -> Path:
    path = folder / "fifo.jpg"
    os.mkfifo(path)
    return path


def _dangling(folder: Path, _: bytes) -> Path:
    path = folder / "dangling.jpg"
    path.symlink_to(folder / "nowhere.jpg")
    return path


def _symlink(folder: Path, seed: bytes) -> Path:
    target = folder / "target.bin"
    target.write_bytes(seed)
    path = folder / "link.jpg"
    path.symlink_to(target)
    return path


def _loop(folder: Path, _: bytes) -> Path:
    path = folder / "loop.jpg"
    path.symlink_to(path)
    return path


def _unreadable(folder: Path, seed: bytes) -> Path:
    path = folder / "unreadable.jpg"
    path.write_bytes(seed)
    path.chmod(0)
    return path


SPECIALS = (
    Special("fifo", _fifo),
    Special("dangling", _dangling),
    Special("symlink", _symlink),
    Special("loop", _loop),
    Special("unreadable", _unreadable),
)


def write(folder: Path, name: bytes | str, data: bytes) -> Path:
    raw = name if isinstance(name, bytes) else name.encode()
    target = os.fsencode(folder) + b"/" + raw
    with open(target, "wb") as fp:
        fp.write(data)
    return Path(os.fsdecode(target))


def build(folder: Path, rng: random.Random, count: int) -> list[Path]:
    """Seeds, their header lies, odd names, special files, then ``count`` random mutants."""
    folder.mkdir(parents=True, exist_ok=True)
    made = seeds(rng)
    paths = [write(folder, name, data) for name, data in made.items()]
    if "seed.mp4" in made:
        for where in ("mvhd", "mdhd"):
            paths.append(
                write(
                    folder, f"years-{where}.mp4", mp4_claiming_years(made["seed.mp4"], where=where)
                )
            )
    if "seed.avi" in made:
        paths.append(write(folder, "years.avi", avi_claiming_years(made["seed.avi"])))
    jpeg = made["seed.jpg"]
    paths += [write(folder, name, jpeg) for name in ODD_NAMES]
    paths += [special.make(folder, jpeg) for special in SPECIALS]
    names = sorted(made)
    for index in range(count):
        seed_name = rng.choice(names)
        mutation = rng.choice(sorted(MUTATIONS))
        data = MUTATIONS[mutation](made[seed_name], rng)
        suffix = seed_name.split(".", 1)[1]
        paths.append(write(folder, f"m{index:05d}-{mutation}.{suffix}", data))
    return paths
