"""Budgets per file: CPU and memory bombs that pass the pixel limit (issue 22, found item 3).

Every hostile file here is generated in the test, in milliseconds: the
structural checks must refuse them before any decoder runs, and the worker
budgets (CPU, memory, wall time) must stop what the checks cannot see.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.media import MediaError, MediaErrorCode, MediaLimits, load_image, sniff

LIMITS = MediaLimits()


def progressive_jpeg_bomb(side: int, repeats: int) -> bytes:
    """A progressive JPEG of one flat colour whose last scan is repeated ``repeats`` times.

    Each repeated scan is 16 bytes (one end-of-band run) but makes libjpeg
    re-process every block of the image: CPU time grows with ``side² * repeats``.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (120, 80, 200)).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    last_scan = data[data.rindex(b"\xff\xda") : -2]
    return data[:-2] + last_scan * repeats + b"\xff\xd9"


def gif_with_frames(frames: int) -> bytes:
    """A 1x1 GIF with ``frames`` image descriptors, written block by block."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame * frames + b"\x3b"


def flat_png(width: int, height: int) -> bytes:
    """A black RGB PNG written row by row, so the test process never holds the pixels.

    (A forked worker inherits its parent's mapped memory; decoding a big image
    here first would leave the worker room to decode it again under its limit.)
    """
    compressor = zlib.compressobj(1)
    row = b"\x00" * (1 + 3 * width)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def jpeg_with_app_segments(count: int, size: int = 65_000) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(buffer, "JPEG")
    data = buffer.getvalue()
    segment = b"\xff\xe2" + struct.pack(">H", size + 2) + b"\x00" * size
    return data[:2] + segment * count + data[2:]


def _refused(path: Path, limits: MediaLimits = LIMITS) -> MediaError:
    started = time.process_time()
    with pytest.raises(MediaError) as caught:
        sniff(path, limits)
    assert time.process_time() - started < 1.0, "the check must not decode the file"
    return caught.value


# ------------------------------------------------------------ structural checks
def test_progressive_jpeg_with_repeated_scans_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "scans.jpg"
    path.write_bytes(progressive_jpeg_bomb(64, 60_000))  # the 60,000 repeats
    error = _refused(path)
    assert error.code is MediaErrorCode.TOO_LARGE
    assert "progressive scans" in error.message


def test_ordinary_progressive_and_baseline_jpegs_pass(tmp_path: Path) -> None:
    for progressive in (True, False):
        path = tmp_path / f"ok-{progressive}.jpg"
        Image.new("RGB", (300, 200), (1, 2, 3)).save(path, "JPEG", progressive=progressive)
        assert load_image(path, LIMITS).original_width == 300


def test_gif_with_too_many_frames_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "frames.gif"
    path.write_bytes(gif_with_frames(LIMITS.max_image_frames + 1))
    error = _refused(path)
    assert error.code is MediaErrorCode.TOO_LARGE and "frames" in error.message
    path.write_bytes(gif_with_frames(3))
    assert load_image(path, LIMITS).frames == 3


def test_animated_webp_and_png_with_too_many_frames_are_refused(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (8, 8), (i * 40, 0, 0)) for i in range(5)]
    limits = replace(LIMITS, max_image_frames=4)
    for name, fmt in (("anim.webp", "WEBP"), ("anim.png", "PNG")):
        path = tmp_path / name
        frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=50)
        error = _refused(path, limits)
        assert error.code is MediaErrorCode.TOO_LARGE and "frames" in error.message
        assert load_image(path, LIMITS).frames == 5


def test_tiff_with_too_many_pages_is_refused_and_a_page_loop_ends(tmp_path: Path) -> None:
    pages = [Image.new("L", (4, 4), i) for i in range(6)]
    path = tmp_path / "pages.tif"
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:])
    error = _refused(path, replace(LIMITS, max_image_frames=5))
    assert error.code is MediaErrorCode.TOO_LARGE and "pages" in error.message
    assert load_image(path, LIMITS).frames == 6
    # A directory whose "next" offset points at itself: the walk must end.
    looped = tmp_path / "loop.tif"
    Image.new("L", (4, 4), 9).save(looped, "TIFF")
    data = bytearray(looped.read_bytes())
    first = struct.unpack_from("<I", data, 4)[0]
    entries = struct.unpack_from("<H", data, first)[0]
    struct.pack_into("<I", data, first + 2 + 12 * entries, first)
    looped.write_bytes(bytes(data))
    assert sniff(looped, LIMITS).format == "tiff"


def test_huge_metadata_blocks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "icc.jpg"
    path.write_bytes(jpeg_with_app_segments(300))  # 19.5 MB of APP2 (ICC) segments
    error = _refused(path)
    assert error.code is MediaErrorCode.TOO_LARGE and "metadata" in error.message
    path.write_bytes(jpeg_with_app_segments(2))
    assert load_image(path, LIMITS).original_width == 16
    png = tmp_path / "text.png"
    image = Image.new("RGB", (4, 4))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "x" * 200_000)
    image.save(png, "PNG", pnginfo=info)
    error = _refused(png, replace(LIMITS, max_metadata_bytes=100_000))
    assert error.code is MediaErrorCode.TOO_LARGE and "metadata" in error.message


def test_files_made_of_millions_of_empty_parts_are_refused_quickly(tmp_path: Path) -> None:
    jpeg = tmp_path / "segments.jpg"
    jpeg.write_bytes(b"\xff\xd8" + b"\xff\xfe\x00\x02" * 300_000 + b"\xff\xd9")  # empty COMs
    assert "segments" in _refused(jpeg).message
    gif = tmp_path / "extensions.gif"
    empty_comment = b"\x21\xfe\x00"
    gif.write_bytes(gif_with_frames(1)[:-1] + empty_comment * 300_000 + b"\x3b")
    assert "segments or blocks" in _refused(gif).message


@pytest.mark.parametrize("fmt", ["JPEG", "GIF", "WEBP", "PNG", "TIFF"])
def test_mutated_files_give_a_media_error_or_pass_never_a_crash(tmp_path: Path, fmt: str) -> None:
    rng = random.Random(fmt)
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (24, 16), (i * 60, 90, 30)) for i in range(3)]
    options = {"progressive": True} if fmt == "JPEG" else {"save_all": True}
    frames[0].save(buffer, fmt, append_images=frames[1:], **options)
    seed = buffer.getvalue()
    path = tmp_path / "mutant"
    for _ in range(150):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.5:
                data[at] ^= 1 << rng.randrange(8)
            elif choice < 0.8:
                data[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"])
            else:
                del data[at:]
                data += b"\xff"
        path.write_bytes(bytes(data))
        started = time.process_time()
        with contextlib.suppress(MediaError):
            sniff(path, LIMITS)
        assert time.process_time() - started < 0.5


# ------------------------------------------------------------ budgets in the worker
def _scan(settings: Settings, folder: Path) -> dict[str, tuple[str | None, str | None]]:
    with IdolGuard(settings) as app:
        records = app.scanner(signal_names=["pdq"], workers=2).run([folder]).records
    return {Path(r.location).name: (r.error_code, r.error) for r in records}


def test_cpu_bomb_over_the_cpu_budget_is_too_slow_and_the_batch_goes_on(
    sqlite_settings: Settings, samples_dir: Path
) -> None:
    # The scan-count check is lifted so that only the CPU budget can stop this file.
    (samples_dir / "bomb.jpg").write_bytes(progressive_jpeg_bomb(2048, 6000))
    limits = replace(sqlite_settings.limits, max_jpeg_scans=10**9, file_cpu_seconds=1.0)
    started = time.monotonic()
    outcome = _scan(replace(sqlite_settings, limits=limits), samples_dir)
    assert outcome["bomb.jpg"][0] == MediaErrorCode.TOO_SLOW.value
    assert "CPU time" in (outcome["bomb.jpg"][1] or "")
    assert time.monotonic() - started < 60
    for name in ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        assert outcome[name] == (None, None), outcome[name]


def test_file_over_the_memory_budget_is_too_large_and_the_batch_goes_on(
    tmp_path: Path, samples_dir: Path
) -> None:
    # 10000x10000 RGB needs 300 MB decoded; the PNG itself is under a megabyte. The scan runs
    # in a fresh process: forked workers inherit their parent's mapped memory, and a test
    # process that has loaded models has hundreds of free megabytes to lend them.
    (samples_dir / "big.png").write_bytes(flat_png(10_000, 10_000))
    home = tmp_path / "home"
    home.mkdir()
    (home / "idolguard.toml").write_text("workers = 2\n[limits]\nworker_memory_mb = 48\n")
    env = {**os.environ, "IDOLGUARD_HOME": str(home)}
    for name in ("IDOLGUARD_DATABASE_URL", "IDOLGUARD_WORKERS", "IDOLGUARD_CONFIG"):
        env.pop(name, None)
    command = [sys.executable, "-m", "idolguard", "scan", str(samples_dir), "-s", "pdq", "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    outcome = {Path(row["path"]).name: (row["error_code"], row["error"]) for row in rows}
    assert outcome["big.png"][0] == MediaErrorCode.TOO_LARGE.value, outcome["big.png"]
    assert "memory" in (outcome["big.png"][1] or "")
    for name in ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        assert outcome[name] == (None, None), outcome[name]


def test_a_cpu_bomb_scanned_alone_is_stopped_by_the_budget_too(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """``idolguard scan`` of one file ran the decoder in the CLI's own process, where no
    budget applied. It now decodes in a budgeted worker like a scan of many files."""
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(progressive_jpeg_bomb(2048, 6000))
    limits = replace(sqlite_settings.limits, max_jpeg_scans=10**9, file_cpu_seconds=1.0)
    started = time.monotonic()
    with IdolGuard(replace(sqlite_settings, limits=limits)) as app:
        (record,) = app.scanner(signal_names=["pdq"], workers=2).run([bomb]).records
    assert record.error_code == MediaErrorCode.TOO_SLOW.value, record.error
    assert "CPU time" in (record.error or "")
    assert time.monotonic() - started < 60


def test_in_process_callers_are_not_forked(
    sqlite_settings: Settings, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scanners the app hands to monitoring and fan reports (``workers=0``) run in the
    caller's process: forking from a threaded server can deadlock the child."""
    from idolguard.pipeline import scan

    pools: list[int] = []
    real = scan.Scanner._pooled

    def counting(self: scan.Scanner, files: list[Path], size: int) -> Any:
        pools.append(size)
        return real(self, files, size)

    monkeypatch.setattr(scan.Scanner, "_pooled", counting)
    with IdolGuard(sqlite_settings) as app:
        (record,) = app.scanner(["pdq"], workers=0).run([samples_dir / "rocket.jpg"]).records
    assert pools == []
    assert record.error is None and "pdq" in record.results
