"""Sniffing decides by content: misnamed files must land on the right decoder or a clear refusal."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from idolguard.media import (
    MEDIA_EXTENSIONS,
    MediaError,
    MediaErrorCode,
    MediaLimits,
    MediaType,
    sniff,
)

LIMITS = MediaLimits()


def _image_bytes(fmt: str, **params: object) -> bytes:
    rng = np.random.default_rng(1)
    image = Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    box = (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body
    return box + b"\x00\x00\x00\x08free" + b"\x00" * 64


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("fmt", "expected", "mime"),
    [
        ("JPEG", "jpeg", "image/jpeg"),
        ("PNG", "png", "image/png"),
        ("WEBP", "webp", "image/webp"),
        ("GIF", "gif", "image/gif"),
        ("BMP", "bmp", "image/bmp"),
        ("TIFF", "tiff", "image/tiff"),
    ],
)
def test_images_are_recognised_by_content(
    tmp_path: Path, fmt: str, expected: str, mime: str
) -> None:
    # The extension is deliberately wrong: only the bytes may decide.
    path = _write(tmp_path, "picture.mp4", _image_bytes(fmt))
    result = sniff(path, LIMITS)
    assert result.media_type is MediaType.IMAGE
    assert result.format == expected
    assert result.mime == mime


def test_big_endian_tiff(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.tif", b"MM\x00*" + b"\x00" * 60)
    assert sniff(path, LIMITS).format == "tiff"


@pytest.mark.parametrize(
    ("header", "media_type", "fmt"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), MediaType.IMAGE, "heic"),
        (_ftyp(b"heix", b"mif1"), MediaType.IMAGE, "heic"),
        (_ftyp(b"mif1", b"heic", b"miaf"), MediaType.IMAGE, "heic"),
        (_ftyp(b"msf1", b"hevc"), MediaType.IMAGE, "heic"),
        (_ftyp(b"mif1", b"miaf"), MediaType.IMAGE, "heif"),
        (_ftyp(b"avif", b"mif1", b"miaf"), MediaType.IMAGE, "avif"),
        (_ftyp(b"mif1", b"avif", b"miaf"), MediaType.IMAGE, "avif"),
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), MediaType.VIDEO, "mp4"),
        (_ftyp(b"mp42", b"isom"), MediaType.VIDEO, "mp4"),
        (_ftyp(b"M4V ", b"M4V ", b"mp42"), MediaType.VIDEO, "mp4"),
        (_ftyp(b"qt  ", b"qt  "), MediaType.VIDEO, "mov"),
        (_ftyp(b"3gp4", b"isom"), MediaType.VIDEO, "3gp"),
        (_ftyp(b"XAVC", b"XAVC", b"mp42", b"iso2"), MediaType.VIDEO, "mp4"),
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat" + b"\x00" * 40, MediaType.VIDEO, "mov"),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40,
            MediaType.VIDEO,
            "webm",
        ),
        (
            b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 40,
            MediaType.VIDEO,
            "mkv",
        ),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 40, MediaType.VIDEO, "avi"),
    ],
)
def test_container_brands(tmp_path: Path, header: bytes, media_type: MediaType, fmt: str) -> None:
    result = sniff(_write(tmp_path, "clip.bin", header), LIMITS)
    assert (result.media_type, result.format) == (media_type, fmt)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Hello, this is a plain text note.\nNothing to see.\n", "text"),
        ("Ünïcödé text, still text ✓\n".encode() * 20, "text"),
        (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", "HTML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, "ZIP"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 40, "MP3"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "WAV"),
        (_ftyp(b"M4A ", b"M4A ", b"mp42"), "audio"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 40, "JPEG XL"),
        (b"BMthis is not a bitmap at all, just text starting with BM", "text"),
        (bytes(range(256)) * 4, "not recognised"),
    ],
)
def test_unsupported_files_say_what_they_look_like(tmp_path: Path, data: bytes, words: str) -> None:
    path = _write(tmp_path, "photo.jpg", data)
    with pytest.raises(MediaError) as info:
        sniff(path, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED
    assert words in info.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as info:
        sniff(tmp_path / "nope.jpg", LIMITS)
    assert info.value.code is MediaErrorCode.NOT_FOUND


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as info:
        sniff(_write(tmp_path, "empty.png", b""), LIMITS)
    assert info.value.code is MediaErrorCode.EMPTY


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.png", _image_bytes("PNG"))
    with pytest.raises(MediaError) as info:
        sniff(path, MediaLimits(max_file_bytes=100))
    assert info.value.code is MediaErrorCode.TOO_LARGE
    assert "limit" in info.value.message


def test_directory_is_unsupported(tmp_path: Path) -> None:
    folder = tmp_path / "album.jpg"
    folder.mkdir()
    with pytest.raises(MediaError) as info:
        sniff(folder, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED
    assert "directory" in info.value.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(MediaError) as info:
        sniff(fifo, LIMITS)
    assert info.value.code is MediaErrorCode.UNSUPPORTED


def test_media_error_str_carries_code() -> None:
    error = MediaError(MediaErrorCode.EMPTY, "file is empty")
    assert str(error) == "empty: file is empty"


def test_media_extensions_are_lowercase_suffixes() -> None:
    assert MEDIA_EXTENSIONS
    assert len(set(MEDIA_EXTENSIONS)) == len(MEDIA_EXTENSIONS)
    for ext in MEDIA_EXTENSIONS:
        assert ext.startswith(".")
        assert ext == ext.lower()
    for needed in (".jpg", ".png", ".webp", ".gif", ".heic", ".mp4", ".mov", ".webm", ".mkv"):
        assert needed in MEDIA_EXTENSIONS
    assert ".txt" not in MEDIA_EXTENSIONS
    assert ".pdf" not in MEDIA_EXTENSIONS


def test_symlink_loop_is_not_found_with_a_plain_message(tmp_path: Path) -> None:
    """A link to itself made discovery raise "Symlink loop" and stop the scan (issue 22)."""
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(loop)
    with pytest.raises(MediaError) as info:
        sniff(loop, LIMITS)
    assert info.value.code is MediaErrorCode.NOT_FOUND
    assert info.value.message == "file is a symbolic link that leads back to itself, not to a file"
    assert info.value.detail is not None and "Errno 40" in info.value.detail


def test_messages_never_quote_the_path(tmp_path: Path) -> None:
    """A path that is not UTF-8 in a message could not be stored or printed (issue 22 item 1)."""
    missing = Path(os.fsdecode(os.fsencode(tmp_path) + b"/gone\xff.jpg"))
    with pytest.raises(MediaError) as info:
        sniff(missing, LIMITS)
    assert info.value.code is MediaErrorCode.NOT_FOUND
    assert info.value.message == "file not found"
