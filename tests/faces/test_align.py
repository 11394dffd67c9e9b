from __future__ import annotations

import numpy as np

from idolguard.faces.align import ARCFACE_TEMPLATE, align_arcface, similarity_transform


def test_similarity_transform_recovers_rotation_scale_and_shift() -> None:
    angle, scale, shift = np.deg2rad(17), 2.5, np.array([30.0, -12.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    src = ARCFACE_TEMPLATE
    dst = src @ (scale * rotation).T + shift
    matrix = similarity_transform(src, dst)
    assert np.allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    assert np.allclose(matrix[:, 2], shift, atol=1e-9)


def test_similarity_transform_never_mirrors() -> None:
    mirrored = ARCFACE_TEMPLATE * np.array([-1.0, 1.0])
    matrix = similarity_transform(ARCFACE_TEMPLATE, mirrored)
    assert np.linalg.det(matrix[:, :2]) > 0


def test_align_puts_landmarks_on_the_template() -> None:
    image = np.zeros((300, 300, 3), dtype=np.uint8)
    landmarks = ARCFACE_TEMPLATE * 2 + 40
    for x, y in landmarks.astype(int):
        image[y - 2 : y + 3, x - 2 : x + 3] = 255
    crop = align_arcface(image, landmarks)
    assert crop.shape == (112, 112, 3)
    for x, y in ARCFACE_TEMPLATE.round().astype(int):
        assert crop[y, x].mean() > 100, (x, y)
