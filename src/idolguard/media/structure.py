"""Cheap structural checks on image files before any decoder sees them.

A pixel limit stops decompression bombs, but some small files cost far more
CPU or memory than their pixel count suggests: a progressive JPEG whose last
scan is repeated 60,000 times (each scan re-decodes the whole image), a GIF,
WebP or APNG with hundreds of thousands of frames or a TIFF with as many pages
(counting them walks every one), and EXIF/XMP/ICC/comment blocks of hundreds
of megabytes that the decoder reads into memory. These are refused here, by
walking the container's markers, chunks or directories without decoding
anything, so the answer costs milliseconds even for a hostile file.

The walks stop at the first limit crossed, and stay quiet about damage they
do not need to understand: reporting a corrupt file well is the decoder's job.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from idolguard.media.types import MediaError, MediaErrorCode, MediaLimits

__all__ = ["check_structure"]


def check_structure(path: Path, fmt: str, limits: MediaLimits) -> None:
    """Raise ``MediaError`` when ``path`` (sniffed as ``fmt``) exceeds a structural limit."""
    checker = _CHECKERS.get(fmt)
    if checker is None:
        return
    try:
        with path.open("rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as data:
            checker(data, fmt, limits)
    except (OSError, ValueError):
        return  # unreadable or empty: sniffing or the decoder says so in its own words


# Segments, blocks, chunks or tag entries walked per file. Real files have tens to a few
# thousand; a file made of millions of empty ones costs the decoder's Python parser minutes.
_MAX_PARTS = 200_000


def _too_many_parts(kind: str) -> MediaError:
    return MediaError(
        MediaErrorCode.TOO_LARGE,
        f"{kind} file is made of more than {_MAX_PARTS} segments or blocks, far more than any "
        "real image; refusing to decode it",
    )


def _too_many_frames(kind: str, what: str, limits: MediaLimits) -> MediaError:
    return MediaError(
        MediaErrorCode.TOO_LARGE,
        f"{kind} file has more than {limits.max_image_frames} {what} "
        "(limits.max_image_frames); refusing to decode it",
    )


def _too_much_metadata(kind: str, size: int, limits: MediaLimits) -> MediaError:
    return MediaError(
        MediaErrorCode.TOO_LARGE,
        f"{kind} file carries {size / 1024**2:.1f} MiB of metadata (EXIF, XMP, ICC, comments), "
        f"above the limit of {limits.max_metadata_bytes / 1024**2:.1f} MiB "
        "(limits.max_metadata_bytes)",
    )


# ------------------------------------------------------------------ JPEG
_RST_OR_STUFFING = frozenset({0x00, *range(0xD0, 0xD8)})


def _check_jpeg(data: mmap.mmap, fmt: str, limits: MediaLimits) -> None:
    """Count scans (SOS) and metadata segments (APPn, COM) of the first image, up to EOI."""
    size = len(data)
    pos = 2  # after SOI
    scans = 0
    metadata = 0
    parts = 0
    while pos + 4 <= size:
        parts += 1
        if parts > _MAX_PARTS:
            raise _too_many_parts("JPEG")
        if data[pos] != 0xFF:
            return  # not at a marker: damaged, the decoder will say how
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return
        if marker in _RST_OR_STUFFING or marker == 0x01:
            pos += 2
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            metadata += length
            if metadata > limits.max_metadata_bytes:
                raise _too_much_metadata("JPEG", metadata, limits)
        pos += 2 + length
        if marker != 0xDA:
            continue
        scans += 1
        if scans > limits.max_jpeg_scans:
            raise MediaError(
                MediaErrorCode.TOO_LARGE,
                f"JPEG file has more than {limits.max_jpeg_scans} progressive scans "
                "(limits.max_jpeg_scans; real photos have about 10, hostile files "
                "repeat scans to make decoding take minutes); refusing to decode it",
            )
        # Skip the entropy-coded data: the next marker is 0xFF not followed by 0x00 or RSTn.
        while True:
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= size:
                return
            if data[pos + 1] in _RST_OR_STUFFING or data[pos + 1] == 0xFF:
                pos += 1 if data[pos + 1] == 0xFF else 2
                continue
            break


# ------------------------------------------------------------------ GIF
def _check_gif(data: mmap.mmap, fmt: str, limits: MediaLimits) -> None:
    size = len(data)
    if size < 13:
        return
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 << (flags & 0x07))
    frames = 0
    metadata = 0
    parts = 0
    while pos < size:
        parts += 1
        if parts > _MAX_PARTS + 2 * limits.max_image_frames:
            raise _too_many_parts("GIF")
        block = data[pos]
        if block == 0x3B:  # trailer
            return
        if block == 0x2C:  # image descriptor
            frames += 1
            if frames > limits.max_image_frames:
                raise _too_many_frames("GIF", "frames", limits)
            if pos + 10 > size:
                return
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 0x07))
            pos += 1  # LZW minimum code size
            pos, _ = _skip_sub_blocks(data, pos)
        elif block == 0x21:  # extension
            if pos + 2 > size:
                return
            label = data[pos + 1]
            pos, length = _skip_sub_blocks(data, pos + 2)
            if label in (0xFE, 0xFF):  # comment, application (XMP, ICC, NETSCAPE)
                metadata += length
                if metadata > limits.max_metadata_bytes:
                    raise _too_much_metadata("GIF", metadata, limits)
        else:
            return


def _skip_sub_blocks(data: mmap.mmap, pos: int) -> tuple[int, int]:
    size = len(data)
    total = 0
    while pos < size:
        length = data[pos]
        pos += 1 + length
        total += length
        if length == 0:
            break
    return pos, total


# ------------------------------------------------------------------ WebP
_WEBP_METADATA = frozenset({b"EXIF", b"XMP ", b"ICCP"})


def _check_webp(data: mmap.mmap, fmt: str, limits: MediaLimits) -> None:
    size = len(data)
    pos = 12
    frames = 0
    metadata = 0
    parts = 0
    while pos + 8 <= size:
        parts += 1
        if parts > _MAX_PARTS + limits.max_image_frames:
            raise _too_many_parts("WebP")
        fourcc = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc == b"ANMF":
            frames += 1
            if frames > limits.max_image_frames:
                raise _too_many_frames("WebP", "frames", limits)
        elif fourcc in _WEBP_METADATA:
            metadata += length
            if metadata > limits.max_metadata_bytes:
                raise _too_much_metadata("WebP", metadata, limits)
        pos += 8 + length + (length & 1)


# ------------------------------------------------------------------ PNG
_PNG_METADATA = frozenset({b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf"})


def _check_png(data: mmap.mmap, fmt: str, limits: MediaLimits) -> None:
    size = len(data)
    pos = 8
    metadata = 0
    while pos + 8 <= size:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"acTL" and pos + 12 <= size:
            frames = int.from_bytes(data[pos + 8 : pos + 12], "big")
            if frames > limits.max_image_frames:
                raise _too_many_frames("PNG", "animation frames", limits)
        elif kind in _PNG_METADATA:
            metadata += length
            if metadata > limits.max_metadata_bytes:
                raise _too_much_metadata("PNG", metadata, limits)
        elif kind == b"IEND":
            return
        pos += 12 + length


# ------------------------------------------------------------------ TIFF
# Bytes per value of each TIFF field type (BYTE, ASCII, SHORT, LONG, RATIONAL, ...).
_TIFF_TYPE_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
}


def _check_tiff(data: mmap.mmap, fmt: str, limits: MediaLimits) -> None:
    """Walk the chain of image file directories (pages), adding up their tag values."""
    size = len(data)
    order: str = "little" if data[:2] == b"II" else "big"
    offset = int.from_bytes(data[4:8], order)  # type: ignore[arg-type]
    seen: set[int] = set()
    metadata = 0
    entries_walked = 0
    while offset and offset not in seen and offset + 2 <= size:
        seen.add(offset)
        if len(seen) > limits.max_image_frames:
            raise _too_many_frames("TIFF", "pages", limits)
        count = int.from_bytes(data[offset : offset + 2], order)  # type: ignore[arg-type]
        entries = offset + 2
        entries_walked += count
        if entries_walked > _MAX_PARTS * 5:  # tag entries are 12 bytes, cheaper than blocks
            raise _too_many_parts("TIFF")
        for i in range(count):
            entry = entries + 12 * i
            if entry + 12 > size:
                return
            kind = int.from_bytes(data[entry + 2 : entry + 4], order)  # type: ignore[arg-type]
            values = int.from_bytes(data[entry + 4 : entry + 8], order)  # type: ignore[arg-type]
            value_bytes = values * _TIFF_TYPE_SIZES.get(kind, 1)
            if value_bytes > 4:
                metadata += min(value_bytes, size)
                if metadata > limits.max_metadata_bytes:
                    raise _too_much_metadata("TIFF", metadata, limits)
        next_at = entries + 12 * count
        if next_at + 4 > size:
            return
        offset = int.from_bytes(data[next_at : next_at + 4], order)  # type: ignore[arg-type]


_CHECKERS = {
    "jpeg": _check_jpeg,
    "gif": _check_gif,
    "webp": _check_webp,
    "png": _check_png,
    "tiff": _check_tiff,
}
