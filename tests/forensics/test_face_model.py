"""The shipped face manipulation model: loads, is calibrated, and tells blends from originals.

Only neutral public-domain portraits are used: the sample astronaut photo and
the photos that ship with the face backend, self-blended with the same
synthesis the model was trained with (``forensics.synth``).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from idolguard.faces import load_backend
from idolguard.forensics.crop import CROP_SIZE, face_crop, model_view
from idolguard.forensics.face_model import FaceManipulationModel, load_calibration
from idolguard.forensics.synth import jpeg, self_blend
from tests.helpers import face_photo, sample


@pytest.fixture(scope="module")
def model() -> FaceManipulationModel:
    return FaceManipulationModel(threads=2)


@pytest.fixture(scope="module")
def crops() -> list[np.ndarray]:
    backend = load_backend("arcface", threads=2)
    out = []
    for path in (sample("astronaut.jpg"), face_photo("yaoming.jpg"), face_photo("gdp.jpg")):
        pixels = np.asarray(Image.open(path).convert("RGB"))
        for face in backend.detect(pixels)[:3]:
            out.append(face_crop(pixels, face.landmarks)[0])
    return out


def test_calibration_is_monotonic_and_its_threshold_is_a_probability() -> None:
    calibration = load_calibration()
    assert 0.0 < calibration.threshold < 1.0
    values = [calibration.probability(x) for x in (-5.0, 0.0, 5.0)]
    assert values == sorted(values) and values[0] < values[-1]
    assert calibration.card["calib"]["self_blended"]["auc"] > 0.9


def test_scores_and_cell_maps_have_the_documented_shapes(model, crops) -> None:  # type: ignore[no-untyped-def]
    views = np.stack([model_view(c) for c in crops[:2]])
    scores = model.score(views)
    assert len(scores) == 2
    for score in scores:
        assert score.cells.shape == (8, 8)
        assert score.logit == pytest.approx(float(score.cells.mean()), abs=1e-3)
        assert 0.0 <= score.probability <= 1.0
    assert model.score(np.zeros((0, CROP_SIZE, CROP_SIZE, 3), np.uint8)) == []


def test_wrong_crop_sizes_are_refused(model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="crops must be"):
        model.score(np.zeros((1, 64, 64, 3), np.uint8))


def test_self_blends_score_above_their_originals(model, crops) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    real = [s.probability for s in model.score(np.stack([model_view(c) for c in crops]))]
    fakes = []
    for crop in crops:
        for _ in range(4):
            fakes.append(model_view(self_blend(crop, rng)[0]))
    fake = [s.probability for s in model.score(np.stack(fakes))]
    assert np.median(fake) > np.median(real) + 0.2
    # Ordinary portraits stay mostly below the flagging threshold.
    threshold = load_calibration().threshold
    assert sum(p >= threshold for p in real) <= len(real) // 3


def test_the_score_survives_a_jpeg_re_upload(model, crops) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    pairs = [(c, self_blend(c, rng)[0]) for c in crops for _ in range(3)]
    real = model.score(np.stack([model_view(jpeg(c, 75)) for c, _ in pairs]))
    fake = model.score(np.stack([model_view(jpeg(f, 75)) for _, f in pairs]))
    wins = sum(f.logit > r.logit for f, r in zip(fake, real, strict=True))
    assert wins >= 0.7 * len(pairs)
