"""Border trimming recovers the picture from frames, screenshots and meme bars, and leaves clean
photos alone."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from idolguard.media import trim_borders, trim_candidates

W, H = 400, 300


def natural_image(width: int = W, height: int = H, seed: int = 0) -> Image.Image:
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
        draw.ellipse((x0, y0, x1, y1), fill=colour)
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 5, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def jpeg(image: Image.Image, quality: int = 75) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def framed(picture: Image.Image, fraction: float, colour: tuple[int, int, int]) -> Image.Image:
    pad_x, pad_y = round(picture.width * fraction), round(picture.height * fraction)
    canvas = Image.new("RGB", (picture.width + 2 * pad_x, picture.height + 2 * pad_y), colour)
    canvas.paste(picture, (pad_x, pad_y))
    return canvas


def screenshot(picture: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """A 540x1170 phone screenshot: status bar, letterboxed photo, caption and app bar."""
    ink = (255, 255, 255) if sum(background) < 384 else (20, 20, 20)
    canvas = Image.new("RGB", (540, 1170), background)
    draw = ImageDraw.Draw(canvas)
    draw.text((24, 10), "9:41", fill=ink, font_size=22)
    for i in range(4):
        draw.rectangle((440 + i * 18, 14, 452 + i * 18, 30), fill=ink)
    draw.text((24, 90), "some_account  ·  Follow", fill=ink, font_size=24)
    photo = picture.resize((540, 405))
    canvas.paste(photo, (0, 330))
    draw.text((24, 780), "Liked by many others", fill=ink, font_size=22)
    draw.text((24, 820), "some_account the original caption goes here", fill=ink, font_size=20)
    for i in range(5):
        draw.ellipse((40 + i * 100, 1110, 70 + i * 100, 1140), outline=ink, width=3)
    return canvas


def meme(picture: Image.Image) -> Image.Image:
    bar = round(picture.height * 0.25)
    canvas = Image.new("RGB", (picture.width, picture.height + bar), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.text((20, bar * 0.2), "WHEN THE BUILD", fill=(0, 0, 0), font_size=26)
    draw.text((20, bar * 0.55), "PASSES FIRST TRY", fill=(0, 0, 0), font_size=26)
    canvas.paste(picture, (0, bar))
    return canvas


def assert_recovers(result: Image.Image | None, picture: Image.Image, slack: float = 0.02) -> None:
    assert result is not None
    assert abs(result.width - picture.width) <= slack * picture.width + 2
    assert abs(result.height - picture.height) <= slack * picture.height + 2
    difference = np.abs(
        np.asarray(result.resize(picture.size), dtype=np.float32)
        - np.asarray(picture, dtype=np.float32)
    ).mean()
    assert difference < 12


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128)])
@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.25])
@pytest.mark.parametrize("recompress", [False, True])
def test_uniform_frames(colour: tuple[int, int, int], fraction: float, recompress: bool) -> None:
    picture = natural_image()
    bordered = framed(picture, fraction, colour)
    if recompress:
        bordered = jpeg(bordered)
    assert_recovers(trim_borders(bordered), picture)


def test_letterbox_on_two_sides_only() -> None:
    picture = natural_image(400, 200)
    canvas = Image.new("RGB", (400, 400), (0, 0, 0))
    canvas.paste(picture, (0, 100))
    assert_recovers(trim_borders(jpeg(canvas)), picture)


def test_pillarbox() -> None:
    picture = natural_image(200, 300)
    canvas = Image.new("RGB", (480, 300), (0, 0, 0))
    canvas.paste(picture, (140, 0))
    assert_recovers(trim_borders(canvas), picture)


@pytest.mark.parametrize("background", [(0, 0, 0), (255, 255, 255)])
def test_phone_screenshot(background: tuple[int, int, int]) -> None:
    picture = natural_image()
    shot = jpeg(screenshot(picture, background), quality=80)
    assert_recovers(trim_borders(shot), picture.resize((540, 405)))


def test_meme_bar() -> None:
    picture = natural_image()
    assert_recovers(trim_borders(jpeg(meme(picture))), picture)


def test_clean_photo_is_left_alone() -> None:
    assert trim_borders(natural_image()) is None
    assert trim_borders(jpeg(natural_image(seed=4), quality=40)) is None


def test_thin_border_is_not_worth_a_query() -> None:
    # 1 % per side: below the 2 % that PDQ would notice.
    assert trim_borders(framed(natural_image(), 0.01, (0, 0, 0))) is None


def test_tiny_remainder_is_refused() -> None:
    # A logo in the middle of a blank page: the "picture" would be 4 % of the area.
    canvas = Image.new("RGB", (500, 500), (255, 255, 255))
    canvas.paste(natural_image(100, 100), (200, 200))
    assert trim_borders(canvas) is None


def test_blank_and_tiny_images() -> None:
    assert trim_borders(Image.new("RGB", (300, 200), (10, 10, 10))) is None
    assert trim_borders(Image.new("RGB", (4, 4), (10, 10, 10))) is None


def test_large_image_is_trimmed_at_full_resolution() -> None:
    picture = natural_image(500, 375).resize((3000, 2250))
    result = trim_borders(framed(picture, 0.1, (0, 0, 0)))
    assert_recovers(result, picture, slack=0.005)


def test_other_modes_are_accepted() -> None:
    picture = natural_image()
    bordered = framed(picture, 0.1, (255, 255, 255)).convert("RGBA")
    result = trim_borders(bordered)
    assert result is not None
    assert result.mode == "RGBA"
    assert abs(result.width - W) <= 10


def story(picture: Image.Image) -> Image.Image:
    """A "story" screenshot: the photo over a blurred, darkened, enlarged copy of itself."""
    canvas = picture.resize((540, 960)).filter(ImageFilter.GaussianBlur(24))
    canvas = Image.eval(canvas, lambda v: int(v * 0.7))
    photo = picture.resize((540, 405))
    canvas.paste(photo, (0, 300))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, 540, 40), fill=(0, 0, 0))
    draw.text((24, 10), "9:41", fill=(255, 255, 255), font_size=22)
    return canvas


def feed_post(picture: Image.Image) -> Image.Image:
    """App chrome whose avatar row ends 6 px above the photo: too close for gap bridging."""
    canvas = Image.new("RGB", (540, 405 + 200), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((10, 40, 84, 114), fill=(200, 60, 90))
    draw.text((100, 60), "fan_account_01", fill=(0, 0, 0), font_size=24)
    canvas.paste(picture.resize((540, 405)), (0, 120))
    draw.text((20, 560), "1,234 likes", fill=(0, 0, 0), font_size=22)
    return canvas


def test_blurred_story_padding_is_cut_by_the_detail_trim() -> None:
    picture = natural_image()
    candidates = trim_candidates(jpeg(story(picture)))
    # Blur is not uniform, so the uniform trim keeps most of the screen.
    plain = candidates.get("trimmed")
    assert plain is None or plain.height > 1.5 * 405
    assert_recovers(candidates["trimmed_detail"], picture.resize((540, 405)))


def test_chrome_close_to_the_photo_is_cut_by_the_strict_trim() -> None:
    picture = natural_image()
    candidates = trim_candidates(jpeg(feed_post(picture)))
    assert candidates["trimmed"].height > 405 + 60  # the avatar row was bridged in
    assert_recovers(candidates["trimmed_strict"], picture.resize((540, 405)))


def test_candidates_are_distinct_and_empty_for_a_clean_photo() -> None:
    assert trim_candidates(natural_image()) == {}
    candidates = trim_candidates(framed(natural_image(), 0.1, (0, 0, 0)))
    assert list(candidates) == ["trimmed"]  # the three cuts agree: one query, not three
