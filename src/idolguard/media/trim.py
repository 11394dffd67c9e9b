"""Cut away uniform borders, letterboxing and screenshot bars.

Re-uploads are often the original picture inside something: a black or white
frame, a phone screenshot (status bar on top, app UI below, flat bars in
between), a meme template with a caption bar. PDQ sees all of these as a
different image (distances 90-140 against a match threshold of 31), and
trimming the query recovers 7-8 of 8 cases (research note hashing.md §3,
``band_trim``).

The idea: rows whose pixels are all (nearly) the same colour are border; the
picture is the *largest* run of non-uniform rows. Taking the largest run
rather than "strip uniform rows from the edges" is what handles screenshots
and memes, whose bars contain text and so are not uniform themselves, but are
separated from the picture by uniform padding. Columns are then treated the
same way inside the kept rows.

Trimming occasionally cuts into a clean picture that has a flat region
spanning its width (a white studio wall, an overexposed sky), so callers
should analyse both the image as given and the trimmed one.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["trim_borders"]

# Work on at most this many pixels per side: the bands are found on a
# greyscale thumbnail, so the cost no longer depends on the photo's size.
_WORK_SIDE = 1024
# A row is uniform when its grey levels vary less than this (standard
# deviation, 0-255 scale). JPEG noise in a flat bar stays well below it; a row
# through real picture content is far above it.
_UNIFORM_STD = 3.0
# Uniform runs this short (fraction of the side) inside the picture are kept,
# so a single flat row (a horizon line, a saturated streak) does not split it.
_GAP_FRACTION = 0.01
_MIN_TRIM_FRACTION = 0.02
_MIN_AREA_FRACTION = 0.25
# Rows, then columns, then rows again: the second pass removes side bars that
# made the rows of a status bar look like part of the picture.
_PASSES = 2


def trim_borders(image: Image.Image) -> Image.Image | None:
    """Return ``image`` without its uniform borders, or ``None`` if that is not worth a query.

    ``None`` when no side loses at least 2 % (a thinner "border" is more often
    a JPEG edge artefact than a frame, and the query would just duplicate the
    untrimmed one), or when less than a quarter of the area would remain
    (then the "picture" found is more likely a logo or a line of text).
    """
    width, height = image.size
    if width < 8 or height < 8:
        return None
    gray, scale_x, scale_y = _work_gray(image)
    top, bottom, left, right = 0, gray.shape[0], 0, gray.shape[1]
    for _ in range(_PASSES):
        start, end = _largest_band(_nonuniform(gray[top:bottom, left:right], axis=1))
        top, bottom = top + start, top + end
        if bottom <= top:
            return None
        start, end = _largest_band(_nonuniform(gray[top:bottom, left:right], axis=0))
        left, right = left + start, left + end
        if right <= left:
            return None
    box = (
        max(0, round(left * scale_x)),
        max(0, round(top * scale_y)),
        min(width, round(right * scale_x)),
        min(height, round(bottom * scale_y)),
    )
    x0, y0, x1, y1 = box
    trimmed = (x0 / width, y0 / height, (width - x1) / width, (height - y1) / height)
    if max(trimmed) < _MIN_TRIM_FRACTION:
        return None
    if (x1 - x0) * (y1 - y0) < _MIN_AREA_FRACTION * width * height:
        return None
    return image.crop(box)


def _work_gray(image: Image.Image) -> tuple[NDArray[np.float32], float, float]:
    gray = image.convert("L")
    factor = math.ceil(max(gray.size) / _WORK_SIDE)
    if factor > 1:
        gray = gray.reduce(factor)
    array = np.asarray(gray, dtype=np.float32)
    return array, image.size[0] / gray.size[0], image.size[1] / gray.size[1]


def _nonuniform(region: NDArray[np.float32], axis: int) -> NDArray[np.bool_]:
    """True for each line (``axis=1``: rows, ``axis=0``: columns) that holds picture content."""
    if region.size == 0:
        return np.zeros(region.shape[1 - axis], dtype=np.bool_)
    spread: NDArray[np.float32] = region.std(axis=axis)
    return spread >= _UNIFORM_STD


def _largest_band(mask: NDArray[np.bool_]) -> tuple[int, int]:
    """Half-open ``(start, end)`` of the longest run of True, bridging short False gaps."""
    length = int(mask.shape[0])
    if length == 0 or not mask.any():
        return 0, 0
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    runs = [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)]
    max_gap = max(1, round(_GAP_FRACTION * length))
    merged: list[tuple[int, int]] = [runs[0]]
    for start, end in runs[1:]:
        last_start, last_end = merged[-1]
        if start - last_end <= max_gap:
            merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
    return max(merged, key=lambda run: run[1] - run[0])
