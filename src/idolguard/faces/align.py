"""Five-point similarity alignment: the crop every embedder was trained on.

Recognition accuracy depends on presenting faces exactly as in training, so
the transform is the least-squares similarity (rotation, uniform scale,
translation; Umeyama 1991) from the detected landmarks to the embedder's
template, never a free affine that would distort the face.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

# ArcFace's 112x112 reference positions of the five landmarks (insightface).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def similarity_transform(
    src: NDArray[np.floating], dst: NDArray[np.floating]
) -> NDArray[np.float64]:
    """The 2x3 matrix of the similarity mapping ``src`` points onto ``dst`` (least squares)."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rotation = u @ np.diag(sign) @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float((singular * sign).sum() / variance) if variance > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation[:, None]])


def warp(image: NDArray[np.uint8], matrix: NDArray[np.float64], size: int) -> NDArray[np.uint8]:
    """Apply a forward 2x3 transform and cut a ``size`` x ``size`` RGB crop."""
    forward = np.vstack([matrix, [0.0, 0.0, 1.0]])
    inverse = np.linalg.inv(forward)
    coefficients = tuple(float(v) for v in inverse[:2].ravel())
    crop = Image.fromarray(image).transform(
        (size, size), Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR
    )
    return np.asarray(crop, dtype=np.uint8)


def align_arcface(image: NDArray[np.uint8], landmarks: NDArray[np.floating]) -> NDArray[np.uint8]:
    """The 112x112 ArcFace crop of the face with these five landmarks."""
    return warp(image, similarity_transform(landmarks, ARCFACE_TEMPLATE), 112)
