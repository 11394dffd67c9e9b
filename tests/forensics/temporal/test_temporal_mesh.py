"""The 468-point mesh on the shipped public-domain portrait, and the mesh measurements."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from idolguard.faces.types import FaceBackendError
from idolguard.forensics.temporal import mesh as mesh_module
from idolguard.forensics.temporal.extract import dense_detector
from idolguard.forensics.temporal.features import _mesh_features
from tests.helpers import sample


@pytest.fixture(scope="module")
def face_mesh() -> mesh_module.FaceMesh:
    try:
        return mesh_module.FaceMesh()
    except FaceBackendError as exc:  # pragma: no cover - scripts/bootstrap installs it
        pytest.fail(str(exc))


@pytest.mark.parametrize("turn", [0, 25])
def test_the_mesh_is_level_and_in_face_order_even_on_a_tilted_picture(
    face_mesh: mesh_module.FaceMesh, turn: int
) -> None:
    picture = Image.open(sample("astronaut.jpg")).convert("RGB").rotate(turn, expand=True)
    picture.thumbnail((320, 320))
    pixels = np.asarray(picture)
    face = max(dense_detector()(pixels), key=lambda f: f.width * f.height)
    points = face_mesh(pixels, face)
    assert points.shape == (468, 2) and np.all((points > -0.1) & (points < 1.1))
    left, right = points[mesh_module.EYE_OUTER_LEFT], points[mesh_module.EYE_OUTER_RIGHT]
    assert abs(left[1] - right[1]) < 0.04  # the crop turned the eyes level
    eyes_y = (left[1] + right[1]) / 2
    nose_y = points[mesh_module.NOSE_TIP][1]
    lip_y = points[mesh_module.UPPER_INNER_LIP][1]
    assert eyes_y < nose_y < lip_y < points[mesh_module.CHIN][1]


def _mesh(gap: np.ndarray, lids: np.ndarray) -> np.ndarray:
    """Drawn meshes: eyes 0.4 apart, the inner lips ``gap`` apart, eyelids ``lids`` apart."""
    n = len(gap)
    points = np.zeros((n, 468, 2))
    points[:, mesh_module.EYE_OUTER_LEFT] = [0.3, 0.4]
    points[:, mesh_module.EYE_OUTER_RIGHT] = [0.7, 0.4]
    points[:, mesh_module.NOSE_TIP] = [0.5, 0.55]
    points[:, mesh_module.UPPER_INNER_LIP, 1] = 0.65
    points[:, mesh_module.LOWER_INNER_LIP, 1] = 0.65 + gap
    points[:, mesh_module.CHIN, 1] = 0.8 + gap  # the jaw drops with the lips
    for up, down in (
        (mesh_module.LEFT_LID_UP, mesh_module.LEFT_LID_DOWN),
        (mesh_module.RIGHT_LID_UP, mesh_module.RIGHT_LID_DOWN),
    ):
        points[:, up, 1] = 0.38
        points[:, down, 1] = 0.38 + lids
    return points


def test_mesh_measurements_see_talking_and_blinking() -> None:
    dt = np.full(14, 0.1)
    open_lids = np.full(15, 0.04)
    still = _mesh_features(_mesh(np.zeros(15), open_lids), dt)
    talking = _mesh_features(_mesh(0.05 * np.abs(np.sin(np.arange(15))), open_lids), dt)
    blink = open_lids.copy()
    blink[7] = 0.004
    blinking = _mesh_features(_mesh(np.zeros(15), blink), dt)
    assert still["lip_open_speed"] == 0.0 and talking["lip_open_speed"] > 0.5
    assert talking["lip_open_range"] > 0.05 and talking["lip_jaw_coupling"] > 0.99
    assert still["blink_depth"] == pytest.approx(0.0) and blinking["blink_depth"] > 0.8
    assert _mesh_features(None, dt) == dict.fromkeys(still, 0.0)
