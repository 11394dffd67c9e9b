"""A blurred keyframe at each flagged moment of a track, for the review page and the report.

Blurred and greyscaled like every preview (reviewers should not see more
than needed to recognise the scene); revealing the full frame stays a
deliberate act on the item page.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter, ImageOps

KEYFRAME_SIDE = 256


def keyframe_name(sha256: str, face_index: int, seconds: float) -> str:
    """Where a keyframe lives under the heatmap folder (content-addressed, like heatmaps)."""
    return f"{sha256[:2]}/{sha256}-face{face_index}-t{round(seconds * 1000)}.png"


def render_keyframe(frame: Image.Image, side: int = KEYFRAME_SIDE) -> bytes:
    picture = frame.convert("RGB")
    picture.thumbnail((side, side))
    radius = max(6.0, max(picture.size) / 18)
    blurred = ImageOps.grayscale(picture.filter(ImageFilter.GaussianBlur(radius)))
    out = io.BytesIO()
    blurred.save(out, format="PNG", optimize=True)
    return out.getvalue()
