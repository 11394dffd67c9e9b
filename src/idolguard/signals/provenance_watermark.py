"""Decoder for the invisible watermark Stable Diffusion embeds (``invisible-watermark`` dwtDct).

The reference scripts of Stable Diffusion 1.x/2.x write the bytes
``StableDiffusionV1`` and SDXL (Stability's ``generative-models`` and
``diffusers``) a fixed 48-bit message into every image, using the
``invisible-watermark`` package's "dwtDct" method. That package needs torch and
OpenCV, far too heavy for one check, so this is a from-scratch NumPy decoder of
the same algorithm (``imwatermark/maxDct.py`` of version 0.2.0), checked
bit-for-bit against it:

1. BGR -> YUV exactly as OpenCV's 8-bit ``COLOR_BGR2YUV`` (fixed-point, 14 bits).
2. Only the U channel carries bits: the default scales are ``[0, 36, 36]`` and the
   reference loops over ``range(2)``, so V is never used.
3. The channel, cropped to multiples of 4, goes through a level-1 Haar DWT and its
   approximation band is cut into 4x4 blocks, walked row by row.
4. In each block the element of largest magnitude other than the first is read
   (despite the method's name, no DCT is applied in this method); its magnitude
   modulo 36 above 18 is a 1. Block ``k`` votes for message bit ``k mod length``.
5. A bit is 1 when more than 127/255 of its votes are.

Two variants of how generators fed the encoder are tried, because both exist in
the wild: some passed RGB arrays where the API wants BGR (older ``diffusers``),
and ``diffusers`` embeds in float arithmetic, where OpenCV centres U on 0.5
instead of 128. Read back the 8-bit way (as the reference decoder reads a PNG),
such a mark comes out partly or wholly *inverted* in images whose U is mostly
negative (warm, dark: skin tones), because the +255 shift of the band moves both
the remainders and which element is largest. So both the 8-bit and the float
reading are tried, and an agreement near 0 counts like one near 1: with 48 or
136 bits either extreme by chance is below one in a billion per variant.

The mark does not survive JPEG compression or resizing, so callers only run it
on losslessly stored pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SCALE = 36.0
BLOCK = 4
MIN_PIXELS = 256 * 256  # the reference encoder refuses smaller images

# diffusers/pipelines/stable_diffusion_xl/watermark.py and generative-models.
SDXL_MESSAGE: tuple[int, ...] = tuple(
    int(bit) for bit in bin(0b101100111110110010010000011110111011000110011110)[2:]
)
# CompVis/stablediffusion scripts/txt2img.py: set_watermark("bytes", b"StableDiffusionV1").
SD1_MESSAGE: tuple[int, ...] = tuple(
    int(bit) for bit in np.unpackbits(np.frombuffer(b"StableDiffusionV1", dtype=np.uint8))
)

# OpenCV's fixed-point BGR->YUV coefficients (imgproc/src/color_yuv.simd.hpp).
_YUV_SHIFT = 14
_R2Y, _G2Y, _B2Y, _B2U = 4899, 9617, 1868, 8061
_HAAR = np.float64(0.7071067811865476)  # pywt's haar filter tap, for bit-identical sums

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WatermarkReading:
    """Bit agreement of the decoded bits with each message (0.0-1.0), from the variant that
    departs most from chance (0.5) in either direction: near 0 is the inverted message."""

    sdxl_agreement: float
    sd1_agreement: float
    sdxl_variant: str
    sd1_variant: str


def read_watermark(rgb: npt.NDArray[np.uint8]) -> WatermarkReading | None:
    """Decode ``rgb`` (H x W x 3, uint8, RGB order) against both messages.

    Returns ``None`` for images the reference encoder refuses (under 256x256 pixels).
    """
    height, width = rgb.shape[:2]
    if rgb.ndim != 3 or rgb.shape[2] != 3 or height * width < MIN_PIXELS:
        return None
    height, width = height // 4 * 4, width // 4 * 4
    # Contiguous int32 planes: every product below fits, and it is 3x faster than int64 views.
    first, green, last = (
        np.ascontiguousarray(rgb[:height, :width, index], dtype=np.int32) for index in range(3)
    )
    best: dict[str, tuple[float, str]] = {"sdxl": (0.5, ""), "sd1": (0.5, "")}
    for order, red, blue in (("bgr", first, last), ("rgb-as-bgr", last, first)):
        for arithmetic, u_channel in (
            ("uint8", _u_channel_uint8(red, green, blue)),
            ("float", _u_channel_float(red, green, blue)),
        ):
            bits = block_bits(haar_approximation(u_channel))
            variant = f"{order}/{arithmetic}"
            for name, message in (("sdxl", SDXL_MESSAGE), ("sd1", SD1_MESSAGE)):
                agreement = message_agreement(bits, message)
                if abs(agreement - 0.5) > abs(best[name][0] - 0.5) or not best[name][1]:
                    best[name] = (agreement, variant)
    return WatermarkReading(
        sdxl_agreement=best["sdxl"][0],
        sd1_agreement=best["sd1"][0],
        sdxl_variant=best["sdxl"][1],
        sd1_variant=best["sd1"][1],
    )


IntArray = npt.NDArray[np.int32] | npt.NDArray[np.int64]


def _u_channel_uint8(red: IntArray, green: IntArray, blue: IntArray) -> FloatArray:
    """U exactly as OpenCV computes it for 8-bit images (what ``cv2.imread`` + decode sees)."""
    half = 1 << (_YUV_SHIFT - 1)
    luma = (red * _R2Y + green * _G2Y + blue * _B2Y + half) >> _YUV_SHIFT
    u = ((blue - luma) * _B2U + ((128 << _YUV_SHIFT) + half)) >> _YUV_SHIFT
    result: FloatArray = np.clip(u, 0, 255).astype(np.float64)
    return result


def _u_channel_float(red: IntArray, green: IntArray, blue: IntArray) -> FloatArray:
    """U as OpenCV computes it for float images: centred on 0.5, unclipped (diffusers' path)."""
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    result: FloatArray = (blue - luma) * 0.492 + 0.5
    return result


def haar_approximation(channel: FloatArray) -> FloatArray:
    """Approximation band of a level-1 Haar DWT of a channel with even sides.

    Identical to ``pywt.dwt2(channel, "haar")[0]`` down to the last bit (same
    order of operations), without depending on PyWavelets.
    """
    rows = channel[0::2, :] * _HAAR + channel[1::2, :] * _HAAR
    result: FloatArray = rows[:, 0::2] * _HAAR + rows[:, 1::2] * _HAAR
    return result


def block_bits(band: FloatArray, scale: float = SCALE) -> npt.NDArray[np.bool_]:
    """The bit every 4x4 block of ``band`` holds, in the encoder's row-major block order."""
    rows, cols = band.shape[0] // BLOCK, band.shape[1] // BLOCK
    blocks = (
        band[: rows * BLOCK, : cols * BLOCK]
        .reshape(rows, BLOCK, cols, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(rows * cols, BLOCK * BLOCK)
    )
    position = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    values = np.abs(blocks[np.arange(blocks.shape[0]), position])
    bits: npt.NDArray[np.bool_] = (values % scale) > 0.5 * scale
    return bits


def decode_message(bits: npt.NDArray[np.bool_], length: int) -> npt.NDArray[np.bool_]:
    """Majority vote of the block bits for each of ``length`` message bits."""
    slots = np.arange(bits.size) % length
    ones = np.bincount(slots, weights=bits.astype(np.float64), minlength=length)
    votes = np.bincount(slots, minlength=length)
    with np.errstate(invalid="ignore", divide="ignore"):
        decoded: npt.NDArray[np.bool_] = (ones / votes) * 255 > 127
    return decoded


def message_agreement(bits: npt.NDArray[np.bool_], message: tuple[int, ...]) -> float:
    """Fraction of ``message`` bits the blocks decode to (0.5 is what chance gives)."""
    if bits.size < len(message):
        return 0.0
    decoded = decode_message(bits, len(message))
    return float(np.mean(decoded == np.asarray(message, dtype=bool)))
