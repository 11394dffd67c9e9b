"""Types shared by the media-decoding layer.

Everything above this layer (signals, pipeline) sees media only through these
types, so a decoder can be swapped without touching analysis code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PIL import Image


class MediaType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class MediaErrorCode(StrEnum):
    """Why a file could not be decoded; stable strings for JSON output and the database."""

    NOT_FOUND = "not_found"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"
    BOMB = "decompression_bomb"
    TOO_LONG = "too_long"
    UNREADABLE = "unreadable"  # exists, but the operating system refuses to read it
    TOO_SLOW = "too_slow"  # over the CPU or wall-clock budget per file


class MediaError(Exception):
    """A file that cannot be analysed.

    ``message`` is a plain sentence for the person running the scan: what is
    wrong with the file, never a library's exception text. ``detail`` is that
    technical text (exception class and message), kept for debugging.
    """

    def __init__(self, code: MediaErrorCode, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


@dataclass(frozen=True)
class MediaLimits:
    """Hard limits that protect a scan from hostile or absurd input.

    Defaults are generous for real phone photos and clips but refuse the
    decompression bombs and hour-long uploads that would stall a scan.
    """

    max_file_bytes: int = 2 * 1024**3
    max_image_pixels: int = 120_000_000  # 120 MP: larger than any phone camera
    max_video_seconds: float = 4 * 3600.0
    max_video_pixels: int = 8192 * 8192  # per frame
    max_sampled_frames: int = 2000
    # Structure checked from the bytes before decoding (CPU bombs, not pixel bombs).
    max_jpeg_scans: int = 100  # progressive JPEGs have about 10; each scan re-decodes the image
    max_image_frames: int = 10_000  # GIF/WebP animation frames, TIFF pages
    max_metadata_bytes: int = 16 * 1024**2  # EXIF/XMP/ICC/comment blocks together
    # Budgets per file, enforced in the worker processes.
    file_cpu_seconds: float = 300.0
    file_wall_seconds: float = 900.0
    worker_memory_mb: int = 4096  # address space a worker may add while analysing a file; 0: none


@dataclass(frozen=True)
class SniffResult:
    """What a file really is, decided from its bytes rather than its name."""

    media_type: MediaType
    format: str  # e.g. "jpeg", "png", "mp4"
    mime: str


@dataclass(frozen=True)
class DecodedImage:
    """An RGB image ready for analysis, plus what we know about the original."""

    image: Image.Image  # mode "RGB", EXIF orientation already applied
    original_width: int  # after EXIF orientation
    original_height: int
    format: str
    exif_transposed: bool
    frames: int = 1  # >1 for animated GIF/WebP; only the first frame is decoded


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration_seconds: float
    fps: float
    codec: str
    format: str
    frame_count: int | None
    # Counter-clockwise degrees (0/90/180/270) from the display matrix, as phones
    # record portrait clips. width/height are the stored size; sampled frames
    # are already turned upright.
    rotation: int = 0


@dataclass(frozen=True)
class VideoFrame:
    index: int  # ordinal of the decoded frame in the stream
    timestamp: float  # seconds from the start
    image: Image.Image  # mode "RGB", downscaled to the requested size
    reason: str  # "interval" or "scene"
