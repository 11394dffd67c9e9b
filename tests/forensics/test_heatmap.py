from __future__ import annotations

import io

import numpy as np
from PIL import Image

from idolguard.forensics.heatmap import cell_heat, render_heatmap


def _render(heat: np.ndarray, blur: bool = False) -> np.ndarray:
    crop = np.full((192, 192, 3), 128, dtype=np.uint8)
    crop[:, 96:] = 200
    png = render_heatmap(crop, heat, blur=blur)
    assert png.startswith(b"\x89PNG")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)


def test_hot_cells_are_red_where_they_are() -> None:
    heat = np.zeros((8, 8), dtype=np.float32)
    heat[1, 6] = 1.0  # top right
    picture = _render(heat)
    assert picture.shape == (256, 256, 3)
    hot = picture[48, 208]
    cold = picture[208, 48]
    assert hot[0] > hot[2] + 60  # red over blue
    assert cold[2] >= cold[0]  # cool colours where there is no evidence


def test_blurring_hides_the_face_detail_but_keeps_the_heat() -> None:
    heat = np.zeros((8, 8), dtype=np.float32)
    sharp, blurred = _render(heat), _render(heat, blur=True)
    edge = slice(120, 136)  # the sharp step between the two halves
    assert np.abs(np.diff(sharp[100, edge, 1])).max() > np.abs(np.diff(blurred[100, edge, 1])).max()


def test_cell_heat_shows_where_scaled_by_how_strong() -> None:
    cells = np.array([[-10.0, 0.0, 10.0]], dtype=np.float32)
    heat = cell_heat(cells, lambda x: 1 / (1 + np.exp(-x)))  # the face: mean 0 -> 0.5
    assert heat.dtype == np.float32
    assert heat.tolist() == [[0.0, 0.25, 0.5]]
    clean = cell_heat(cells - 30, lambda x: 1 / (1 + np.exp(-x)))
    assert clean.max() < 1e-6  # a face judged clean stays cool everywhere
    assert cell_heat(np.zeros((2, 2), np.float32), lambda x: 0.9).max() == 0.0
