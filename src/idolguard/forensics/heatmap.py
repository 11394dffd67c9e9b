"""Heatmap pictures: where on the face the manipulation model found its evidence.

The model's 8x8 cell logits (see ``face_model``) are drawn over the face
crop the model saw, in greyscale so the colours read as the model's and not
the photo's. When the file is explicit the crop underneath is blurred
heavily: the heatmap must stay useful without showing what reviewers only
see by choice.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter, ImageOps

# Colour stops from cool (no evidence) to hot (strong evidence).
_STOPS = np.array([[0.0, 40, 60, 200], [0.5, 250, 220, 40], [1.0, 230, 30, 30]], dtype=np.float32)


def _colour(heat: NDArray[np.float32]) -> NDArray[np.float32]:
    out = np.empty((*heat.shape, 3), dtype=np.float32)
    for channel in range(3):
        out[..., channel] = np.interp(heat, _STOPS[:, 0], _STOPS[:, channel + 1])
    return out


def cell_heat(
    cells: NDArray[np.float32], probability: Callable[[float], float]
) -> NDArray[np.float32]:
    """Per-cell evidence in [0, 1]: where in the face, scaled by how strong overall.

    The cells of a pasted face all lean "fake" (the network judges the whole
    crop), so absolute cell scores paint everything hot; what a reviewer
    needs is where the evidence is strongest. Cells are spread over [0, 1]
    within the face and multiplied by the face's calibrated probability, so
    a face the model finds clean stays cool everywhere.
    """
    values = cells.astype(np.float64)
    strength = probability(float(values.mean()))
    span = float(values.max() - values.min())
    relative = (values - values.min()) / span if span > 1e-6 else np.zeros_like(values)
    heat: NDArray[np.float32] = (strength * relative).astype(np.float32)
    return heat


def render_heatmap(
    crop: NDArray[np.uint8], heat: NDArray[np.float32], *, blur: bool, side: int = 256
) -> bytes:
    """PNG bytes: ``heat`` (cells in [0, 1]) smoothly upsampled over the greyscale ``crop``."""
    base = ImageOps.grayscale(Image.fromarray(crop)).resize((side, side), Image.Resampling.BICUBIC)
    if blur:
        base = base.filter(ImageFilter.GaussianBlur(side / 20))
    grey = np.asarray(base, dtype=np.float32)[..., None].repeat(3, axis=2)
    smooth = Image.fromarray((np.clip(heat, 0, 1) * 255).astype(np.uint8)).resize(
        (side, side), Image.Resampling.BICUBIC
    )
    level = np.asarray(smooth, dtype=np.float32) / 255.0
    alpha = (0.15 + 0.6 * level)[..., None]
    blended = grey * (1 - alpha) + _colour(level) * alpha
    out = io.BytesIO()
    Image.fromarray(np.clip(blended, 0, 255).astype(np.uint8)).save(
        out, format="PNG", compress_level=1
    )
    return out.getvalue()
