from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from idolguard.faces import FaceBackend
from idolguard.faces.quality import MIN_ENROL_SHARPNESS, enrolment_problem, sharpness
from tests.helpers import face_pixels


def test_a_clear_portrait_is_accepted(arcface: FaceBackend) -> None:
    portrait = face_pixels("yaoming.jpg")
    assert enrolment_problem(portrait, arcface.detect(portrait)) is None


def test_group_photo_is_refused_as_ambiguous(arcface: FaceBackend) -> None:
    team = face_pixels("players.jpg")
    problem = enrolment_problem(team, arcface.detect(team))
    assert problem is not None and "faces found" in problem


def test_blurred_and_tiny_faces_are_refused(arcface: FaceBackend) -> None:
    portrait = Image.fromarray(face_pixels("yaoming.jpg"))
    blurred = np.asarray(portrait.filter(ImageFilter.GaussianBlur(4)))
    faces = arcface.detect(blurred)
    assert faces, "the detector still sees the blurred face"
    assert sharpness(blurred, faces[0]) < MIN_ENROL_SHARPNESS
    assert "blurred" in (enrolment_problem(blurred, faces) or "")

    tiny = np.asarray(portrait.resize((portrait.width // 5, portrait.height // 5)))
    canvas = np.full((400, 400, 3), 200, dtype=np.uint8)
    canvas[100 : 100 + tiny.shape[0], 100 : 100 + tiny.shape[1]] = tiny
    problem = enrolment_problem(canvas, arcface.detect(canvas))
    assert problem is not None and ("too small" in problem or "no face" in problem)


def test_no_face() -> None:
    assert enrolment_problem(np.zeros((10, 10, 3), np.uint8), []) == "no face found"
