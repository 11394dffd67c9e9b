"""Decode still images into the one form analysis code accepts: upright RGB.

Three concerns shape this module:

* **Hostile input.** Files come from scrapers and strangers. The pixel count
  is checked from the header before any pixel is decoded, truncated files are
  refused rather than silently grey-filled, and every decoder failure becomes
  a ``MediaError`` so one bad file can never abort a scan.
* **Speed.** Signals rarely need 12 MP. With ``max_side`` a JPEG is decoded
  in the DCT domain at 1/2, 1/4 or 1/8 scale (``Image.draft``), ~25x faster
  end to end for PDQ on phone photos with a hash within a few bits of the
  full-resolution one (research note hashing.md §2.1). Other formats are
  decoded fully, then box-reduced by the same power-of-two rule so that a PNG
  and a JPEG of the same picture end up at the same size.
* **Reproducibility.** Hashes must not depend on process-wide state, so PIL's
  global settings (``MAX_IMAGE_PIXELS``, ``LOAD_TRUNCATED_IMAGES``) are never
  touched; limits come from ``MediaLimits``.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import IO

import numpy as np
from PIL import ExifTags, Image, ImageFile

from idolguard.media.sniff import sniff
from idolguard.media.types import (
    DecodedImage,
    MediaError,
    MediaErrorCode,
    MediaLimits,
    MediaType,
    SniffResult,
)

__all__ = ["load_image"]

# Sniffed format -> Pillow plugin name.
_PIL_FORMATS: dict[str, str] = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "gif": "GIF",
    "bmp": "BMP",
    "tiff": "TIFF",
    "heic": "HEIF",
    "heif": "HEIF",
    "avif": "AVIF",
}

# The same table as ImageOps.exif_transpose. It is applied here to the final,
# already reduced image (cheaper than transposing at full size) and read from
# the opened file, where it survives for every format (TIFF keeps it outside
# ``info``, so it would be lost after a mode conversion).
_ORIENTATION_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = frozenset({5, 6, 7, 8})

_HEIF_INSTALL_HINT = "install idolguard[heic] for HEIC support"
_heif_lock = threading.Lock()
_heif_registered = False


def load_image(path: Path, limits: MediaLimits, *, max_side: int | None = None) -> DecodedImage:
    """Decode ``path`` to an upright RGB image, or raise ``MediaError``.

    ``max_side`` is a lower bound, not a target: the image is shrunk by the
    largest power of two that keeps *both* sides at least ``max_side``, and
    never enlarged. That is what JPEG draft decoding gives (which supplies up
    to 1/8 of it for free), so every format lands on the same size for the
    same picture. ``None`` decodes at full resolution.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    sniffed = sniff(path, limits)
    if sniffed.media_type is not MediaType.IMAGE:
        raise MediaError(
            MediaErrorCode.UNSUPPORTED,
            f"file is a video ({sniffed.format}), not an image",
        )
    pil_format = _PIL_FORMATS[sniffed.format]
    if pil_format == "HEIF":
        _ensure_heif_opener()
    try:
        with path.open("rb") as fp:
            image = _open_header(fp, pil_format, str(path), sniffed)
            try:
                return _decode(image, sniffed, limits, max_side)
            finally:
                image.close()
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:
        # Only reachable from frames inside animations; the header check
        # below refuses oversized images before PIL's own check could.
        raise MediaError(
            MediaErrorCode.BOMB,
            "an animation frame is too large to decode safely (possible decompression bomb)",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    except MemoryError as exc:
        raise MediaError(
            MediaErrorCode.TOO_LARGE, "not enough memory to decode this image", "MemoryError"
        ) from exc
    except Exception as exc:  # untrusted input: any decoder failure is "corrupt"
        raise _decode_error(exc, sniffed) from exc


def _ensure_heif_opener() -> None:
    """Register pillow-heif's plugin on first use, so the optional dependency costs nothing until a
    HEIC file actually appears."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if _heif_registered:
            return
        try:
            pillow_heif = importlib.import_module("pillow_heif")
        except ImportError:
            raise MediaError(MediaErrorCode.UNSUPPORTED, _HEIF_INSTALL_HINT) from None
        pillow_heif.register_heif_opener()
        _heif_registered = True


def _open_header(
    fp: IO[bytes], pil_format: str, filename: str, sniffed: SniffResult
) -> ImageFile.ImageFile:
    """Parse only the header with the plugin the magic bytes chose.

    ``Image.open`` is bypassed on purpose: it applies PIL's process-wide
    ``MAX_IMAGE_PIXELS`` (warning from 89 MP, refusing from 179 MP) before we
    can apply ``MediaLimits``, and changing that global would affect every
    other user of PIL in the process. Restricting to one plugin also stops a
    file from being reinterpreted as some other, less-hardened format.
    """
    Image.init()
    entry = Image.OPEN.get(pil_format)
    if entry is None:
        hint = _HEIF_INSTALL_HINT if pil_format == "HEIF" else "rebuild Pillow with it"
        raise MediaError(
            MediaErrorCode.UNSUPPORTED,
            f"this installation cannot decode {sniffed.format.upper()} images ({hint})",
        )
    factory, accept = entry
    prefix = fp.read(16)
    fp.seek(0)
    accepted = True if accept is None else accept(prefix)
    if isinstance(accepted, str):  # PIL's way of saying "this plugin's library is missing"
        raise MediaError(MediaErrorCode.UNSUPPORTED, accepted)
    if not accepted:
        raise MediaError(
            MediaErrorCode.CORRUPT,
            f"{sniffed.format.upper()} file has a damaged header",
        )
    return factory(fp, filename)


def _decode(
    image: ImageFile.ImageFile,
    sniffed: SniffResult,
    limits: MediaLimits,
    max_side: int | None,
) -> DecodedImage:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(MediaErrorCode.CORRUPT, f"image header declares size {width}x{height}")
    if width * height > limits.max_image_pixels:
        raise MediaError(
            MediaErrorCode.BOMB,
            f"image declares {width}x{height} pixels ({width * height / 1e6:.0f} MP), above the "
            f"limit of {limits.max_image_pixels / 1e6:.0f} MP; refusing to decode it "
            "(possible decompression bomb)",
        )
    frames = _frame_count(image)
    if frames > 1:
        image.seek(0)
    if max_side is not None and sniffed.format == "jpeg":
        # DCT-domain downscale; keeps both sides >= max_side (libjpeg scales by 1/2, 1/4, 1/8).
        image.draft("RGB", (max_side, max_side))
    image.load()
    orientation = _orientation(image)
    rgb = _to_rgb(image)
    if max_side is not None:
        rgb = _reduce(rgb, max_side)
    transpose = _ORIENTATION_TRANSPOSE.get(orientation)
    if transpose is not None:
        rgb = rgb.transpose(transpose)
    if rgb is image:
        # Closing the file object below would also invalidate its pixels.
        rgb = image.copy()
    if orientation in _SWAPS_AXES:
        width, height = height, width
    # libheif applies HEIF's own rotation while decoding and pillow-heif then
    # resets the EXIF tag, keeping the original value aside.
    heif_rotated = _int_or(image.info.get("original_orientation"), 1) not in (1, 0)
    return DecodedImage(
        image=rgb,
        original_width=width,
        original_height=height,
        format=sniffed.format,
        exif_transposed=transpose is not None or heif_rotated,
        frames=frames,
    )


def _frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # a broken later frame must not cost the first one
        return 1


def _orientation(image: Image.Image) -> int:
    """EXIF orientation, 1 when absent or unreadable: broken EXIF is common and never fatal."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        return 1
    orientation = _int_or(value, 1)
    return orientation if 1 <= orientation <= 8 else 1


def _int_or(value: object, default: int) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _to_rgb(image: Image.Image) -> Image.Image:
    """Normalise every mode to 8-bit RGB, compositing transparency onto white.

    White, because transparent regions are almost always page background
    (stickers, cut-outs, logos), and PIL's plain conversion would turn them
    into whatever colour the hidden pixels happen to hold, usually black.
    """
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_depth_to_rgb(image)
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    return image.convert("RGB")


def _high_depth_to_rgb(image: Image.Image) -> Image.Image:
    """Scale 16/32-bit and float greyscale to 8 bits; PIL's ``convert`` clips them instead."""
    array = np.asarray(image)
    if image.mode == "F":
        values = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(values.max()) if values.size else 0.0
        scaled = values * 255.0 if peak <= 1.0 else values
    else:
        values = array.astype(np.float64)
        peak = float(values.max()) if values.size else 0.0
        # "I;16" is 16-bit by definition; "I" (32-bit) usually holds 16-bit
        # samples too, and only 8-bit data would already fit.
        scaled = values / 257.0 if image.mode.startswith("I;16") or peak > 255 else values
    gray = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return Image.fromarray(gray, mode="L").convert("RGB")


def _reduce(image: Image.Image, max_side: int) -> Image.Image:
    factor = 1
    while min(image.size) // (factor * 2) >= max_side:
        factor *= 2
    if factor == 1:
        return image
    return image.reduce(factor)


def _decode_error(exc: Exception, sniffed: SniffResult) -> MediaError:
    """A plain sentence for the reviewer; the decoder's own words go to ``detail``.

    Pillow's texts are for programmers (TIFF says ``SyntaxError: 0``), so they
    never reach the message.
    """
    text = str(exc).strip()
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    kind = sniffed.format.upper()
    if isinstance(exc, EOFError) or "truncated" in text.lower():
        return MediaError(
            MediaErrorCode.TRUNCATED,
            f"{kind} file is incomplete (cut off before the end)",
            detail,
        )
    return MediaError(
        MediaErrorCode.CORRUPT,
        f"{kind} file is damaged and could not be decoded",
        detail,
    )
