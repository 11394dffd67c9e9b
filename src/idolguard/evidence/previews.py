"""Working-copy previews: small, and blurred unless a person chooses otherwise.

Reviewers should not have to see harmful content more than necessary, so
previews are blurred and greyscaled by default; revealing is a deliberate,
logged act. Previews are working copies: they are never the evidence.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from idolguard.media import MediaLimits, MediaType, load_image, sample_frames, sniff


def first_picture(path: Path, limits: MediaLimits, max_side: int) -> Image.Image:
    """The image itself, or a video's first sampled frame."""
    info = sniff(path, limits)
    if info.media_type is MediaType.IMAGE:
        return load_image(path, limits, max_side=max_side).image
    with sample_frames(path, limits, every_seconds=1.0, max_side=max_side) as frames:
        for frame in frames:
            return frame.image
    raise ValueError("the video has no decodable frame")


def picture_at(path: Path, limits: MediaLimits, seconds: float, max_side: int) -> Image.Image:
    """A video's frame nearest ``seconds`` (frames are looked at every half second).

    The review page's keyframes: the moment a flagged range peaked. A still
    image is its own frame at every time.
    """
    if sniff(path, limits).media_type is MediaType.IMAGE:
        return load_image(path, limits, max_side=max_side).image
    best = None
    with sample_frames(path, limits, every_seconds=0.5, max_side=max_side) as frames:
        for frame in frames:
            if best is None or abs(frame.timestamp - seconds) < abs(best.timestamp - seconds):
                best = frame
            if frame.timestamp > seconds + 0.5:
                break
    if best is None:
        raise ValueError("the video has no decodable frame")
    return best.image


def render_preview(image: Image.Image, *, blur: bool, max_side: int = 512) -> bytes:
    """PNG bytes of a preview; ``blur`` hides detail beyond recognising a scene."""
    picture = image.convert("RGB")
    picture.thumbnail((max_side, max_side))
    if blur:
        radius = max(6.0, max(picture.size) / 18)
        picture = ImageOps.grayscale(picture.filter(ImageFilter.GaussianBlur(radius))).convert(
            "RGB"
        )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
