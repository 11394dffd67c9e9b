"""Image decoding: every format to upright RGB, fast draft decode, and no crash on hostile files."""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile

import idolguard.media.image as image_module
from idolguard.media import DecodedImage, MediaError, MediaErrorCode, MediaLimits, load_image

LIMITS = MediaLimits()
HAS_HEIF = importlib.util.find_spec("pillow_heif") is not None


def natural_image(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """Gradients, shapes and sensor-like noise, with a red marker in the top-left corner.

    The marker makes orientation mistakes visible; the noise keeps encoders
    from producing unrealistically small, flat files.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 60 + 150 * x / width
    green = 40 + 120 * y / height
    blue = 120 + 60 * np.sin(x / (width / 14)) * np.cos(y / (height / 14))
    base = np.clip(np.stack([red, green, blue], axis=-1), 0, 255).astype(np.uint8)
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width * 3 // 4)), int(rng.integers(0, height * 3 // 4))
        x1, y1 = x0 + int(rng.integers(width // 10, width // 3)), y0 + int(rng.integers(10, 80))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1 + height // 10), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    draw.rectangle((0, 0, width // 6, height // 6), fill=(230, 20, 20))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 5, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    left = np.asarray(a.convert("RGB"), dtype=np.float32)
    right = np.asarray(b.convert("RGB"), dtype=np.float32)
    return float(np.abs(left - right).mean())


def rgb_at(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    red, green, blue = (int(v) for v in np.asarray(image.convert("RGB"))[y, x])
    return red, green, blue


def save(image: Image.Image, path: Path, fmt: str | None = None, **params: Any) -> Path:
    image.save(path, fmt, **params)
    return path


def expect_error(path: Path, *codes: MediaErrorCode, limits: MediaLimits = LIMITS) -> MediaError:
    with pytest.raises(MediaError) as info:
        load_image(path, limits)
    assert info.value.code in codes, info.value
    return info.value


@pytest.mark.parametrize(
    ("suffix", "fmt", "params", "tolerance"),
    [
        (".jpg", "jpeg", {"quality": 92}, 6.0),
        (".png", "png", {}, 0.0),
        (".webp", "webp", {"quality": 90}, 6.0),
        (".webp", "webp", {"lossless": True}, 0.0),
        (".gif", "gif", {}, 20.0),
        (".bmp", "bmp", {}, 0.0),
        (".tif", "tiff", {}, 0.0),
        (".tif", "tiff", {"compression": "tiff_lzw"}, 0.0),
        (".avif", "avif", {"quality": 90}, 8.0),
    ],
)
def test_formats_decode_to_rgb(
    tmp_path: Path, suffix: str, fmt: str, params: dict[str, Any], tolerance: float
) -> None:
    original = natural_image()
    path = save(original, tmp_path / f"photo{suffix}", **params)
    decoded = load_image(path, LIMITS)
    assert isinstance(decoded, DecodedImage)
    assert decoded.format == fmt
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (320, 240)
    assert (decoded.original_width, decoded.original_height) == (320, 240)
    assert decoded.frames == 1
    assert not decoded.exif_transposed
    assert mean_diff(decoded.image, original) <= tolerance + 0.01


def test_misnamed_file_is_decoded_by_content(tmp_path: Path) -> None:
    path = save(natural_image(), tmp_path / "actually_png.jpg", "PNG")
    assert load_image(path, LIMITS).format == "png"


@pytest.mark.skipif(not HAS_HEIF, reason="pillow-heif (idolguard[heic]) is not installed")
def test_heic(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    original = natural_image()
    path = save(original, tmp_path / "phone.heic", quality=90)
    decoded = load_image(path, LIMITS)
    assert decoded.format == "heic"
    assert decoded.image.size == (320, 240)
    assert mean_diff(decoded.image, original) < 8


@pytest.mark.skipif(not HAS_HEIF, reason="pillow-heif (idolguard[heic]) is not installed")
def test_heic_rotation_is_applied_once(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    upright = natural_image()
    exif = Image.Exif()
    exif[0x0112] = 6
    # pillow-heif stores EXIF orientation as HEIF rotation and libheif applies it on decode.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    path = save(stored, tmp_path / "r.heic", exif=exif.tobytes())
    decoded = load_image(path, LIMITS)
    assert decoded.image.size == (320, 240)
    assert decoded.exif_transposed
    assert mean_diff(decoded.image, upright) < 10


def test_heic_without_pillow_heif_explains_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    path = tmp_path / "phone.heic"
    path.write_bytes(header)
    monkeypatch.setattr(image_module, "_heif_registered", False)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # makes the import fail
    error = expect_error(path, MediaErrorCode.UNSUPPORTED)
    assert "idolguard[heic]" in error.message


# What a camera stores for each orientation, given the upright picture.
_STORED_FOR = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", [6, 8, 3, 2, 4, 5, 7])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    upright = natural_image()
    stored = upright.transpose(_STORED_FOR[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(stored, tmp_path / "camera.jpg", quality=95, exif=exif)
    decoded = load_image(path, LIMITS)
    assert decoded.exif_transposed
    assert decoded.image.size == upright.size
    assert (decoded.original_width, decoded.original_height) == upright.size
    assert mean_diff(decoded.image, upright) < 5
    # The red marker is back in the top-left corner.
    r, g, b = rgb_at(decoded.image, 10, 10)
    assert r > 180 and g < 80 and b < 80


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_orientation_survives_draft_decode(tmp_path: Path, orientation: int) -> None:
    upright = natural_image(400, 300).resize((1600, 1200), Image.Resampling.BILINEAR)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = save(upright.transpose(_STORED_FOR[orientation]), tmp_path / "c.jpg", exif=exif)
    decoded = load_image(path, LIMITS, max_side=256)
    assert (decoded.original_width, decoded.original_height) == (1600, 1200)
    assert decoded.image.size == (400, 300)
    assert mean_diff(decoded.image, upright.reduce(4)) < 8


@pytest.mark.parametrize(("fmt", "suffix"), [("PNG", ".png"), ("TIFF", ".tif")])
def test_orientation_in_png_and_tiff(tmp_path: Path, fmt: str, suffix: str) -> None:
    upright = natural_image()
    stored = upright.transpose(_STORED_FOR[6])
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(stored, tmp_path / f"o{suffix}", fmt, exif=exif)
    decoded = load_image(path, LIMITS)
    assert decoded.image.size == (320, 240)
    assert mean_diff(decoded.image, upright) < 1


def test_jpeg_draft_decode_is_reduced_but_not_below_max_side(tmp_path: Path) -> None:
    # Upscaled rather than generated at 12 MP: same test, a tenth of the time.
    big = natural_image(1000, 750, seed=3).resize((4000, 3000), Image.Resampling.BILINEAR)
    path = save(big, tmp_path / "camera.jpg", quality=90)
    decoded = load_image(path, LIMITS, max_side=512)
    assert (decoded.original_width, decoded.original_height) == (4000, 3000)
    assert min(decoded.image.size) >= 512
    assert max(decoded.image.size) <= 1000
    assert decoded.image.size == (1000, 750)  # libjpeg's 1/4 DCT scaling
    assert mean_diff(decoded.image, big.reduce(4)) < 6


def test_other_formats_reduce_like_draft(tmp_path: Path) -> None:
    big = natural_image(500, 375).resize((2000, 1500), Image.Resampling.BILINEAR)
    path = save(big, tmp_path / "big.png", compress_level=1)
    decoded = load_image(path, LIMITS, max_side=512)
    assert decoded.image.size == (1000, 750)
    assert (decoded.original_width, decoded.original_height) == (2000, 1500)


def test_small_images_are_never_enlarged(tmp_path: Path) -> None:
    for name in ("small.jpg", "small.png"):
        path = save(natural_image(300, 200), tmp_path / name)
        assert load_image(path, LIMITS, max_side=512).image.size == (300, 200)


def test_max_side_must_be_positive(tmp_path: Path) -> None:
    path = save(natural_image(), tmp_path / "a.png")
    with pytest.raises(ValueError, match="max_side"):
        load_image(path, LIMITS, max_side=0)


@pytest.mark.parametrize(("name", "fmt"), [("cut.jpg", "JPEG"), ("cut.png", "PNG")])
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_files_are_refused(tmp_path: Path, name: str, fmt: str, keep: float) -> None:
    buffer = io.BytesIO()
    natural_image().save(buffer, fmt)
    data = buffer.getvalue()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * keep)])
    error = expect_error(path, MediaErrorCode.TRUNCATED, MediaErrorCode.CORRUPT)
    assert fmt in error.message


def test_truncated_is_not_masked_by_pil_global(tmp_path: Path) -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    buffer = io.BytesIO()
    natural_image().save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[:3000])
    expect_error(path, MediaErrorCode.TRUNCATED)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_garbage_with_jpg_extension(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(np.random.default_rng(5).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    expect_error(path, MediaErrorCode.UNSUPPORTED)


def test_jpeg_magic_followed_by_garbage(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    garbage = np.random.default_rng(6).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    path.write_bytes(b"\xff\xd8\xff\xe0" + garbage)
    error = expect_error(path, MediaErrorCode.CORRUPT, MediaErrorCode.TRUNCATED)
    assert "JPEG" in error.message


def test_text_named_png(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_text("this is a shopping list, not a picture\n" * 10)
    error = expect_error(path, MediaErrorCode.UNSUPPORTED)
    assert "text" in error.message


def test_empty_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    expect_error(empty, MediaErrorCode.EMPTY)
    expect_error(tmp_path / "missing.jpg", MediaErrorCode.NOT_FOUND)


def test_video_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "clip.jpg"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64)
    error = expect_error(path, MediaErrorCode.UNSUPPORTED)
    assert "video" in error.message


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def test_decompression_bomb_is_refused_from_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    max_pixels = Image.MAX_IMAGE_PIXELS

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    # Any attempt to decode would surface as CORRUPT instead of BOMB.
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    error = expect_error(path, MediaErrorCode.BOMB)
    assert "100000x100000" in error.message
    assert max_pixels == Image.MAX_IMAGE_PIXELS


def test_pixel_limit_comes_from_media_limits(tmp_path: Path) -> None:
    path = save(natural_image(), tmp_path / "ok.png")
    error = expect_error(path, MediaErrorCode.BOMB, limits=MediaLimits(max_image_pixels=10_000))
    assert "320x240" in error.message


def test_alpha_is_composited_on_white(tmp_path: Path) -> None:
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # hidden red behind full transparency
    rgba[:, 50:, :3] = 0
    rgba[:, 50:, 3] = 128  # half-transparent black
    path = save(Image.fromarray(rgba, "RGBA"), tmp_path / "sticker.png")
    image = load_image(path, LIMITS).image
    assert image.mode == "RGB"
    assert image.getpixel((10, 10)) == (255, 255, 255)
    r, g, b = rgb_at(image, 80, 10)
    assert 120 <= r <= 135 and r == g == b


def test_palette_transparency_is_composited_on_white(tmp_path: Path) -> None:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    image.paste(1, (20, 0, 40, 40))
    path = save(image, tmp_path / "icon.gif", transparency=0)
    decoded = load_image(path, LIMITS).image
    assert decoded.getpixel((5, 5)) == (255, 255, 255)
    assert decoded.getpixel((30, 5)) == (200, 30, 30)


def test_cmyk_jpeg(tmp_path: Path) -> None:
    original = natural_image()
    path = save(original.convert("CMYK"), tmp_path / "print.jpg", quality=95)
    decoded = load_image(path, LIMITS)
    assert decoded.image.mode == "RGB"
    assert mean_diff(decoded.image, original) < 8


def test_cmyk_jpeg_draft(tmp_path: Path) -> None:
    original = natural_image(1200, 900)
    path = save(original.convert("CMYK"), tmp_path / "print.jpg", quality=95)
    decoded = load_image(path, LIMITS, max_side=256)
    assert decoded.image.mode == "RGB"
    assert min(decoded.image.size) >= 256


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (16, 1))
    path = save(Image.fromarray(ramp), tmp_path / "scan16.png")
    image = load_image(path, LIMITS).image
    row = np.asarray(image)[0, :, 0].astype(int)
    assert row[0] == 0
    assert row[-1] == 255
    assert 120 <= row[128] <= 135  # mid-grey, where clipping would give 255
    assert np.all(np.diff(row) >= 0)


@pytest.mark.parametrize("mode", ["1", "L", "P", "LA", "I", "F", "RGBA", "YCbCr"])
def test_every_mode_becomes_rgb(tmp_path: Path, mode: str) -> None:
    source = natural_image(64, 48)
    if mode == "I":
        converted = Image.fromarray(np.asarray(source.convert("L"), dtype=np.int32) * 257)
    elif mode == "F":
        converted = Image.fromarray(np.asarray(source.convert("L"), dtype=np.float32) / 255)
    else:
        converted = source.convert(mode)
    fmt = "TIFF" if mode in ("I", "F", "YCbCr") else "PNG"
    suffix = ".tif" if fmt == "TIFF" else ".png"
    if mode == "YCbCr":
        fmt, suffix = "JPEG", ".jpg"
    path = save(converted, tmp_path / f"mode{suffix}", fmt)
    decoded = load_image(path, LIMITS)
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (64, 48)
    if mode in ("L", "I", "F"):
        expected = source.convert("L").convert("RGB")
        assert mean_diff(decoded.image, expected) < 1.5


def _frames(colours: list[tuple[int, int, int]]) -> list[Image.Image]:
    return [Image.new("RGB", (60, 40), colour) for colour in colours]


@pytest.mark.parametrize(("fmt", "suffix"), [("GIF", ".gif"), ("WEBP", ".webp"), ("PNG", ".png")])
def test_animation_first_frame_and_count(tmp_path: Path, fmt: str, suffix: str) -> None:
    first, *rest = _frames([(200, 0, 0), (0, 200, 0), (0, 0, 200)])
    path = tmp_path / f"anim{suffix}"
    first.save(path, fmt, save_all=True, append_images=rest, duration=100, loop=0)
    decoded = load_image(path, LIMITS)
    assert decoded.frames == 3
    r, g, b = rgb_at(decoded.image, 30, 20)
    assert r > 150 and g < 50 and b < 50


@pytest.mark.filterwarnings("ignore::UserWarning")  # PIL warns about some damaged TIFF tags
@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("JPEG", ".jpg"),
        ("PNG", ".png"),
        ("GIF", ".gif"),
        ("WEBP", ".webp"),
        ("BMP", ".bmp"),
        ("TIFF", ".tif"),
    ],
)
def test_damaged_files_only_raise_media_error(tmp_path: Path, fmt: str, suffix: str) -> None:
    buffer = io.BytesIO()
    natural_image(96, 64).save(buffer, fmt)
    clean = buffer.getvalue()
    rng = np.random.default_rng(len(clean))
    path = tmp_path / f"damaged{suffix}"
    for _ in range(25):
        data = bytearray(clean)
        for position in rng.integers(8, len(data), int(rng.integers(1, 12))):
            data[int(position)] = int(rng.integers(0, 256))
        if rng.random() < 0.3:
            data = data[: int(rng.integers(16, len(data)))]
        path.write_bytes(bytes(data))
        try:
            decoded = load_image(path, LIMITS, max_side=int(rng.choice([16, 64])))
        except MediaError:
            continue
        assert decoded.image.mode == "RGB"
        np.asarray(decoded.image)  # the pixels are really there


def test_decoded_image_outlives_the_file(tmp_path: Path) -> None:
    path = save(natural_image(), tmp_path / "a.png")
    decoded = load_image(path, LIMITS)
    path.unlink()
    assert np.asarray(decoded.image).shape == (240, 320, 3)
    assert decoded.image.copy().size == (320, 240)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # Pillow says only "SyntaxError: Missing dimensions" (or "SyntaxError: 0") for TIFFs.
        (
            "empty-ifd.tiff",
            b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "TIFF file is damaged and could not be decoded",
        ),
        ("bad-crc.png", None, "PNG file is damaged and could not be decoded"),
    ],
)
def test_decoder_words_go_to_detail_not_the_message(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    """Raw exception text reached reviewers as the error message (issue 22 item 4)."""
    if data is None:
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buffer, format="PNG")
        raw = bytearray(buffer.getvalue())
        raw[29] ^= 0xFF  # IHDR's CRC
        data = bytes(raw)
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(MediaError) as info:
        load_image(path, LIMITS)
    assert info.value.code is MediaErrorCode.CORRUPT
    assert info.value.message == message
    assert info.value.detail is not None and info.value.detail.startswith("SyntaxError: ")
