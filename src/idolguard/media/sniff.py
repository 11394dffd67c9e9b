"""Decide what a file really is from its first bytes.

Scanned folders and scraped pages are full of misnamed files: PNGs saved as
``.jpg``, HTML error pages saved as ``.mp4``, HEIC photos renamed to ``.jpeg``
by a phone. Trusting the extension would send them to the wrong decoder and
produce confusing errors, so the magic bytes decide, and the extension is only
used to find candidate files in a folder (``MEDIA_EXTENSIONS``).

Sniffing also applies the cheap file-level limits (missing, empty, too large)
so that every decoder gets the same answers for them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from idolguard.media.structure import check_structure
from idolguard.media.types import MediaError, MediaErrorCode, MediaLimits, MediaType, SniffResult

__all__ = ["MEDIA_EXTENSIONS", "sniff"]

# Lower-case, with the dot; compare against ``path.suffix.lower()``. Used only to
# find candidates during folder discovery: ``sniff`` still decides each file.
MEDIA_EXTENSIONS: tuple[str, ...] = (
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".png",
    ".apng",
    ".webp",
    ".gif",
    ".bmp",
    ".dib",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".hif",
    ".avif",
    ".mp4",
    ".m4v",
    ".mov",
    ".qt",
    ".3gp",
    ".3g2",
    ".webm",
    ".mkv",
    ".avi",
)

# Enough for every signature below, the ftyp brand list, and the EBML DocType.
_HEAD_BYTES = 4096

_MIME: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "heif": "image/heif",
    "avif": "image/avif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
}

# ISO base media (ftyp) brands. HEIF brands are checked before video brands
# because an HEIC's compatible-brand list never names a video brand, while
# generic brands (mif1, msf1) only say "some HEIF" and need the others to
# tell HEVC from AV1.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_GENERIC_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
_QUICKTIME_BRANDS = frozenset({b"qt  "})
_3GP_PREFIXES = (b"3gp", b"3g2", b"3ge", b"3gg", b"3gr", b"3gs")
_VIDEO_BRAND_PREFIXES = (b"iso", b"mp4", b"mp7", b"avc", b"M4V", b"dash", b"mmp4", b"f4v")
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# QuickTime files written before ftyp existed start directly with one of these atoms.
_LEGACY_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
# BITMAPINFOHEADER sizes; "BM" alone is too weak a signature (plain text can start with it).
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff(path: Path, limits: MediaLimits) -> SniffResult:
    """Identify ``path`` as a supported image or video, or raise ``MediaError``.

    The file-level limits live here rather than in the decoders so that a
    2 GB upload is refused before any decoder library sees it.
    """
    head = _read_head(path, limits)
    result = _identify(head)
    if result is None:
        raise MediaError(MediaErrorCode.UNSUPPORTED, _describe_unsupported(head))
    media_type, fmt = result
    if media_type is MediaType.IMAGE:
        check_structure(path, fmt, limits)  # CPU and memory bombs that pass the pixel limit
    return SniffResult(media_type=media_type, format=fmt, mime=_MIME[fmt])


def _read_head(path: Path, limits: MediaLimits) -> bytes:
    # Messages never quote the path: the record already names the file, and a
    # name that is not UTF-8 must not leak into text that is stored or printed.
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MediaError(MediaErrorCode.NOT_FOUND, "file not found") from None
    except PermissionError as exc:
        raise MediaError(
            MediaErrorCode.UNREADABLE,
            "file cannot be read: permission denied",
            _os_detail(exc),
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MediaError(
                MediaErrorCode.NOT_FOUND,
                "file is a symbolic link that leads back to itself, not to a file",
                _os_detail(exc),
            ) from None
        raise MediaError(
            MediaErrorCode.UNREADABLE, "file cannot be read by the system", _os_detail(exc)
        ) from None
    if stat.S_ISDIR(info.st_mode):
        if not os.access(path, os.R_OK | os.X_OK):
            raise MediaError(
                MediaErrorCode.UNREADABLE,
                "folder cannot be read: permission denied, so its files were not scanned",
            )
        raise MediaError(MediaErrorCode.UNSUPPORTED, "this is a directory (folder), not a file")
    if not stat.S_ISREG(info.st_mode):
        # Reading a FIFO or device would block or never end.
        raise MediaError(
            MediaErrorCode.UNSUPPORTED,
            "this is not a regular file (a pipe, socket or device), so it was not read",
        )
    if info.st_size == 0:
        raise MediaError(MediaErrorCode.EMPTY, "file is empty (0 bytes)")
    if info.st_size > limits.max_file_bytes:
        raise MediaError(
            MediaErrorCode.TOO_LARGE,
            f"file is {_human_bytes(info.st_size)}, above the limit of "
            f"{_human_bytes(limits.max_file_bytes)}",
        )
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO since stat, open must not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fp:
            if not stat.S_ISREG(os.fstat(fp.fileno()).st_mode):
                raise MediaError(
                    MediaErrorCode.UNSUPPORTED,
                    "this is not a regular file (a pipe, socket or device), so it was not read",
                )
            head = fp.read(_HEAD_BYTES)
    except PermissionError as exc:
        raise MediaError(
            MediaErrorCode.UNREADABLE, "file cannot be read: permission denied", _os_detail(exc)
        ) from None
    except FileNotFoundError:
        raise MediaError(MediaErrorCode.NOT_FOUND, "file not found") from None
    except OSError as exc:
        raise MediaError(
            MediaErrorCode.UNREADABLE, "file cannot be read by the system", _os_detail(exc)
        ) from None
    if not head:  # emptied between stat and read
        raise MediaError(MediaErrorCode.EMPTY, "file is empty (0 bytes)")
    return head


def _identify(head: bytes) -> tuple[MediaType, str] | None:
    image = MediaType.IMAGE
    video = MediaType.VIDEO
    if head.startswith(b"\xff\xd8\xff"):
        return image, "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return image, "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return image, "gif"
    if head.startswith(b"RIFF") and len(head) >= 12:
        kind = head[8:12]
        if kind == b"WEBP":
            return image, "webp"
        if kind == b"AVI ":
            return video, "avi"
        return None
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return image, "tiff"
    if head.startswith(b"BM") and len(head) >= 18:
        if int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
            return image, "bmp"
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # The DocType element sits in the EBML header at the very start.
        doc = head[:64]
        return video, "webm" if b"webm" in doc else "mkv"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _identify_ftyp(head)
    if len(head) >= 8 and head[4:8] in _LEGACY_QT_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return video, "mov"
    return None


def _identify_ftyp(head: bytes) -> tuple[MediaType, str] | None:
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(box_size, len(head)) if box_size >= 16 else min(len(head), 64)
    compatible = [head[i : i + 4] for i in range(16, end - 3, 4)]
    brands = [major, *compatible]

    if major in _AUDIO_BRANDS:
        return None
    if major in _AVIF_BRANDS:
        return MediaType.IMAGE, "avif"
    if major in _HEIC_BRANDS:
        return MediaType.IMAGE, "heic"
    if major in _HEIF_GENERIC_BRANDS:
        return MediaType.IMAGE, _heif_flavour(brands)
    if major in _QUICKTIME_BRANDS:
        return MediaType.VIDEO, "mov"
    if major.startswith(_3GP_PREFIXES):
        return MediaType.VIDEO, "3gp"
    if not major.startswith(_VIDEO_BRAND_PREFIXES):
        # An unknown major brand: let the compatible brands vouch for an image.
        if any(b in _AVIF_BRANDS or b in _HEIC_BRANDS for b in compatible):
            return MediaType.IMAGE, _heif_flavour(compatible)
        if any(b in _QUICKTIME_BRANDS for b in compatible):
            return MediaType.VIDEO, "mov"
    # Every other brand (isom, mp41, mp42, avc1, dash, M4V, vendor brands...) is
    # handed to FFmpeg's MP4 demuxer, which reads them all; an audio-only file
    # is then refused by the video probe with a clear "no video stream".
    return MediaType.VIDEO, "mp4"


def _heif_flavour(brands: list[bytes]) -> str:
    """AVIF and HEIC share the HEIF container; the codec brand says which decoder is needed."""
    if any(b in _AVIF_BRANDS for b in brands):
        return "avif"
    if any(b in _HEIC_BRANDS for b in brands):
        return "heic"
    return "heif"


def _describe_unsupported(head: bytes) -> str:
    """Say what the file looks like, because "unsupported" alone sends people hunting."""
    kind = _known_other_kind(head)
    if kind is not None:
        return f"file is {kind}, not a supported image or video"
    if _looks_like_text(head):
        lowered = head[:512].lstrip().lower()
        if b"<svg" in lowered:
            return "file is an SVG (vector) image, which is not supported; convert it to PNG"
        if lowered.startswith(b"<!doctype html") or b"<html" in lowered:
            return "file is an HTML page, not an image or video (often a saved error or login page)"
        return "file is text, not an image or video"
    preview = head[:8].hex(" ")
    return f"file type not recognised (first bytes: {preview})"


def _known_other_kind(head: bytes) -> str | None:
    signatures: list[tuple[bytes, str]] = [
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (or a document format built on ZIP)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"\x7fELF", "a Linux executable"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"8BPS", "a Photoshop document"),
        (b"\xff\x0a", "a JPEG XL image (not supported yet)"),
        (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image (not supported yet)"),
        (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
        (b"ID3", "an MP3 audio file"),
        (b"OggS", "an Ogg audio/video file"),
        (b"fLaC", "a FLAC audio file"),
        (b"FLV\x01", "a Flash video (FLV)"),
    ]
    for magic, kind in signatures:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "a WAV audio file"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _AUDIO_BRANDS:
        return "an audio-only MPEG-4 file (M4A)"
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the read boundary is still text.
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return True
    printable = sum(1 for b in head if b in b"\t\n\r" or 32 <= b < 127 or b >= 160)
    return printable / len(head) > 0.95


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def _os_detail(exc: OSError) -> str:
    """The system's words for a failed read, without the file name (which may not be UTF-8)."""
    return f"{type(exc).__name__}: [Errno {exc.errno}] {exc.strerror or ''}".strip()
