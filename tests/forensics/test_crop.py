from __future__ import annotations

import numpy as np
from PIL import Image

from idolguard.faces.align import ARCFACE_TEMPLATE
from idolguard.forensics.crop import (
    CROP_SIZE,
    WORK_SIZE,
    crop_template,
    crop_to_image,
    face_crop,
    model_view,
)


def _landmarks(scale: float, offset: float) -> np.ndarray:
    return ARCFACE_TEMPLATE * scale + offset


def test_landmarks_land_on_the_template() -> None:
    image = np.zeros((400, 400, 3), dtype=np.uint8)
    landmarks = _landmarks(1.7, 60.0)
    _, matrix = face_crop(image, landmarks)
    mapped = np.hstack([landmarks, np.ones((5, 1))]) @ matrix.T
    assert np.allclose(mapped, crop_template(WORK_SIZE), atol=1e-6)


def test_crop_to_image_inverts_the_crop_transform() -> None:
    _, matrix = face_crop(np.zeros((300, 300, 3), np.uint8), _landmarks(1.3, 40.0))
    back = crop_to_image(matrix)
    point = np.array([10.0, 170.0, 1.0])
    in_crop = matrix @ point
    assert np.allclose(back @ np.append(in_crop, 1.0), point[:2])


def test_the_margin_shows_more_than_the_face() -> None:
    template = crop_template(WORK_SIZE)
    # Eyes and mouth sit well inside the crop: jaw, hairline and background are in view.
    assert template.min() > WORK_SIZE * 0.3
    assert template.max() < WORK_SIZE * 0.75


def test_large_faces_are_shrunk_with_antialiasing() -> None:
    """A fine stripe pattern must average to grey, not alias into coarse bands."""
    side = 2400
    stripes = np.zeros((side, side, 3), dtype=np.uint8)
    stripes[:, ::2] = 255
    landmarks = _landmarks(12.0, 500.0)  # a face ~15x the crop's scale
    crop, _ = face_crop(stripes, landmarks)
    centre = crop[60:130, 60:130].astype(np.float32)
    assert abs(centre.mean() - 127.5) < 12
    assert centre.std() < 20  # naive bilinear sampling gives 0/255 bands (std ~ 127)


def test_model_view_is_the_model_size() -> None:
    crop = np.asarray(Image.new("RGB", (WORK_SIZE, WORK_SIZE), (10, 20, 30)))
    view = model_view(crop)
    assert view.shape == (CROP_SIZE, CROP_SIZE, 3)
    assert view[0, 0].tolist() == [10, 20, 30]
