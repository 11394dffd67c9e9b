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

__all__ = ["trim_borders", "trim_candidates"]

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


# A row is "low detail" (blurred story padding, a soft gradient) when its mean
# absolute difference between neighbouring pixels is below a limit, 0-255
# scale. Sharp photo content is several times higher; a Gaussian-blurred copy
# of a photo (the usual story background) measured 0.03-0.9 after JPEG. A
# photo's own sky or studio wall can be as smooth as 1.1, so two limits give
# two query variants: the strict one cannot eat a smooth sky.
_LOW_DETAIL = {"trimmed_detail": 1.5, "trimmed_detail2": 0.8}


def trim_candidates(image: Image.Image) -> dict[str, Image.Image]:
    """Every distinct way of cutting the picture out of a screenshot, by name.

    ``trimmed``: uniform bars, with short flat gaps bridged (``trim_borders``).
    ``trimmed_strict``: the same without bridging, for app chrome whose
    header or footer sits a few pixels from the photo. ``trimmed_detail``:
    low-detail rows count as border too, for "story" screenshots whose
    padding is a blurred, enlarged copy of the photo (never uniform);
    ``trimmed_detail2`` does the same with a lower limit, for photos with a
    smooth sky or wall that the first would cut into.
    Each is only a query variant: a scan matches all of them and keeps the
    closest hit, so a wrong cut costs a hash, never a match.
    """
    found: dict[str, Image.Image] = {}
    boxes: set[tuple[int, int, int, int]] = set()
    for name, box in (
        ("trimmed", _trim_box(image, _GAP_FRACTION)),
        ("trimmed_strict", _trim_box(image, 0.0)),
        *((name, _trim_box(image, _GAP_FRACTION, limit)) for name, limit in _LOW_DETAIL.items()),
    ):
        if box is not None and box not in boxes:
            boxes.add(box)
            found[name] = image.crop(box)
    return found


def trim_borders(image: Image.Image) -> Image.Image | None:
    """Return ``image`` without its uniform borders, or ``None`` if that is not worth a query.

    ``None`` when no side loses at least 2 % (a thinner "border" is more often
    a JPEG edge artefact than a frame, and the query would just duplicate the
    untrimmed one), or when less than a quarter of the area would remain
    (then the "picture" found is more likely a logo or a line of text).
    """
    box = _trim_box(image, _GAP_FRACTION)
    return None if box is None else image.crop(box)


def _trim_box(
    image: Image.Image, gap: float, detail: float | None = None
) -> tuple[int, int, int, int] | None:
    width, height = image.size
    if width < 8 or height < 8:
        return None
    gray, scale_x, scale_y = _work_gray(image)

    # Blurred padding sits above and below the photo on a portrait screen, so
    # only rows are judged by detail: a photo's soft left or right edge (an
    # out-of-focus background) would otherwise be cut away.
    def rows(region: NDArray[np.float32], axis: int) -> NDArray[np.bool_]:
        return _nonuniform(region, axis) if detail is None else _detailed(region, axis, detail)

    top, bottom, left, right = 0, gray.shape[0], 0, gray.shape[1]
    # Gaps are measured against the whole screen, so a second pass over the
    # kept band bridges the same flat rows as the first did.
    row_gap, column_gap = (max(1, round(gap * side)) if gap > 0 else 0 for side in gray.shape)
    for _ in range(_PASSES):
        start, end = _largest_band(rows(gray[top:bottom, left:right], axis=1), row_gap)
        top, bottom = top + start, top + end
        if bottom <= top:
            return None
        start, end = _largest_band(_nonuniform(gray[top:bottom, left:right], axis=0), column_gap)
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
    return box


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


def _detailed(region: NDArray[np.float32], axis: int, limit: float) -> NDArray[np.bool_]:
    """True for each line with sharp content: uniform *and* blurred lines are border."""
    if region.size == 0 or region.shape[axis] < 2:
        return np.zeros(region.shape[1 - axis], dtype=np.bool_)
    sharpness: NDArray[np.float32] = np.abs(np.diff(region, axis=axis)).mean(axis=axis)
    return (sharpness >= limit) & _nonuniform(region, axis)


def _largest_band(mask: NDArray[np.bool_], max_gap: int) -> tuple[int, int]:
    """Half-open ``(start, end)`` of the longest run of True, bridging False gaps ≤ ``max_gap``."""
    length = int(mask.shape[0])
    if length == 0 or not mask.any():
        return 0, 0
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    runs = [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)]
    merged: list[tuple[int, int]] = [runs[0]]
    for start, end in runs[1:]:
        last_start, last_end = merged[-1]
        if start - last_end <= max_gap:
            merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
    return max(merged, key=lambda run: run[1] - run[0])
