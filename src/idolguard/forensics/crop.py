"""The face crop the manipulation model sees, identical in training and at scan time.

A detector learns the pixels it was trained on: if training crops were cut
differently from scan-time crops (another margin, another alignment), scores
would drift for no visible reason. So both go through ``face_crop``: the
least-squares similarity from the five detected landmarks to a fixed
template, with a wide margin because the evidence of a face swap sits at the
edge of the pasted face (the blending boundary), not in its centre.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.align import ARCFACE_TEMPLATE, similarity_transform, warp

# Side of the crop the model reads: 128 px keeps a face to a few ms on one core.
CROP_SIZE = 128
# Faces are first cut at this larger side, where training makes its fakes and
# degrades them (JPEG, resizing), then shrunk to ``CROP_SIZE`` the same way in
# training and at scan time.
WORK_SIZE = 192
# The crop spans this many times the ArcFace crop's extent (forehead to chin),
# so cheeks, jaw line, hairline and some background are in view.
MARGIN = 1.45


def crop_template(size: int = CROP_SIZE, margin: float = MARGIN) -> NDArray[np.float64]:
    """Where the five landmarks land in a ``size`` crop."""
    centre = np.array([56.0, 56.0])
    scaled: NDArray[np.float64] = (ARCFACE_TEMPLATE - centre) * (size / 112.0) / margin + size / 2
    return scaled


def crop_matrix(
    landmarks: NDArray[np.floating], size: int = CROP_SIZE, margin: float = MARGIN
) -> NDArray[np.float64]:
    """The 2x3 transform from image pixels to crop pixels for a face with these landmarks."""
    return similarity_transform(
        np.asarray(landmarks, dtype=np.float64), crop_template(size, margin)
    )


def face_crop(
    image: NDArray[np.uint8],
    landmarks: NDArray[np.floating],
    size: int = WORK_SIZE,
    margin: float = MARGIN,
) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The aligned ``size`` x ``size`` RGB crop and the transform from image to crop pixels.

    Bilinear warping samples without smoothing, so a face much larger than
    the crop would come out aliased (jagged edges a detector could mistake
    for blending). Its surroundings are first shrunk with an antialiasing
    filter to about the crop's scale.
    """
    matrix = crop_matrix(landmarks, size, margin)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if scale >= 0.7:
        return warp(image, matrix, size), matrix
    corners = (
        crop_to_image(matrix)
        @ np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], dtype=np.float64).T
    )
    height, width = image.shape[:2]
    x0 = int(max(0, np.floor(corners[0].min()) - 2))
    y0 = int(max(0, np.floor(corners[1].min()) - 2))
    x1 = int(min(width, np.ceil(corners[0].max()) + 2))
    y1 = int(min(height, np.ceil(corners[1].max()) + 2))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return warp(image, matrix, size), matrix
    factor = min(1.0, scale * 1.25)
    region = Image.fromarray(image[y0:y1, x0:x1])
    shrunk_size = (max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor)))
    shrunk = np.asarray(region.resize(shrunk_size, Image.Resampling.BOX), dtype=np.uint8)
    fx, fy = shrunk_size[0] / (x1 - x0), shrunk_size[1] / (y1 - y0)
    to_region = np.array([[fx, 0.0, -x0 * fx], [0.0, fy, -y0 * fy], [0.0, 0.0, 1.0]])
    from_region = np.vstack([matrix, [0.0, 0.0, 1.0]]) @ np.linalg.inv(to_region)
    return warp(shrunk, from_region[:2], size), matrix


def model_view(crop: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A working-size crop shrunk to what the model reads, identically in training and scans."""
    if crop.shape[0] == CROP_SIZE:
        return crop
    picture = Image.fromarray(crop).resize((CROP_SIZE, CROP_SIZE), Image.Resampling.BILINEAR)
    return np.asarray(picture, dtype=np.uint8)


def crop_to_image(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """The inverse 2x3 transform (crop pixels back to image pixels), for drawing heatmaps."""
    forward = np.vstack([matrix, [0.0, 0.0, 1.0]])
    inverse: NDArray[np.float64] = np.linalg.inv(forward)[:2]
    return inverse
