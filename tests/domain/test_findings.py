"""Findings for reviewers from stored results, and previews: blurred cached, reveals logged."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.domain.findings import item_findings, preview_size
from tests.helpers import face_photo, sample

ACTOR = "reviewer@test"


def _open(app: IdolGuard, path: Path, caption: str = "") -> int:
    source = {"url": "https://example.com/p/1", "platform": "example"}
    if caption:
        source["caption"] = caption
    return app.intake.add_file(path, actor=ACTOR, source=source).item_id


def test_findings_of_a_real_scan_name_the_face_in_preview_fractions(app: IdolGuard) -> None:
    app.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    item_id = _open(app, face_photo("yaoming.jpg"), caption="Yao Ming deepfake")
    found = app.review.findings(item_id)

    assert found["faces_analysed"] and found["artists"] == ["Yao Ming"]
    (face,) = [f for f in found["faces"] if f["artist"]]
    assert face["label"] == "Yao Ming" and face["score"] > 0.5 and face["det_score"] > 0.5
    assert face["similarity"] is not None and face["on_preview"]
    box = face["box"]
    assert 0 <= box["left"] < box["left"] + box["width"] <= 1
    assert 0 <= box["top"] < box["top"] + box["height"] <= 1
    # The face is in the middle of the portrait, not at a corner.
    assert 0.2 < box["left"] + box["width"] / 2 < 0.8
    assert "embedding" not in repr(found)

    with Image.open(face_photo("yaoming.jpg")) as image:
        assert found["media"]["width"] == image.width
        assert found["preview"] == preview_size(image.width, image.height, 512)
    manipulation = {d["signal"]: d for d in found["manipulation"]["detectors"]}
    assert set(manipulation) == {"manipulation", "ai_generated"}
    face_model = manipulation["manipulation"]
    assert 0 <= face_model["score"] <= 1 and face_model["model"].startswith("blendnet@")
    # The face model's evidence map, laid over the whole preview.
    heatmap = face_model["heatmap"]
    assert heatmap["kind"] == "grid" and max(heatmap["rows"], heatmap["cols"]) == 32
    assert found["provenance"] is not None and found["provenance"]["ai_generated"] is False
    assert found["explicitness"] is not None and found["explicitness"]["score"] < 0.5
    caption = found["caption"]
    assert caption is not None and [a["name"] for a in caption["artists"]] == ["Yao Ming"]
    assert "deepfake" in [t["term"] for t in caption["terms"]]
    assert found["risk"]["score"] > 0.5 and found["risk"]["reasons"]
    assert found["bank_verdict"] == "none" and found["bank_matches"] == []
    assert "faces" in found["signals"] and "risk" in found["signals"]


def test_findings_show_bank_matches_of_a_reupload(app: IdolGuard, tmp_path: Path) -> None:
    app.banks.add_file(sample("astronaut.jpg"), "confirmed", label="confirmed deepfake")
    copy = tmp_path / "reupload.jpg"
    with Image.open(sample("astronaut.jpg")) as image:
        image.resize((image.width // 2, image.height // 2)).save(copy, quality=70)
    found = app.review.findings(_open(app, copy))
    assert found["bank_verdict"] == "match"
    (match,) = found["bank_matches"]
    assert match["bank"] == "confirmed" and match["bank_kind"] == "block"
    assert match["content_id"] and isinstance(match["distance"], int)


def test_manipulation_heatmaps_and_video_faces_from_stored_shapes() -> None:
    png = io.BytesIO()
    Image.new("L", (4, 4), 200).save(png, format="PNG")
    encoded = base64.b64encode(png.getvalue()).decode()
    results = {
        "faces": {
            "width": 1000,
            "height": 500,
            "duration_seconds": 12.0,
            "faces": [
                {"box": [100, 50, 300, 250], "det_score": 0.9, "frame_time": 0.0},
                {"box": [500, 100, 600, 200], "det_score": 0.8, "frame_time": 7.0},
                {"box": [-50, -10, 1200, 600], "det_score": 0.7, "frame_time": 0.0},
            ],
        },
        "identity": {
            "faces": [
                {
                    "identity": {"artist_id": 3, "name": "Jennie", "score": 0.9, "similarity": 0.6},
                    "candidates": [],
                    "reason": None,
                },
                {"identity": None, "candidates": [], "reason": None},
                {"identity": None, "candidates": [], "reason": "face too small to identify"},
            ],
            "artists": ["Jennie"],
        },
        "manipulation": {"score": 0.83, "heatmap": [[0.1, 0.9], [0.2]], "model": "m"},
        "ai_generated": {"score": 0.2, "heatmap_png": encoded},
    }
    found = item_findings(results, 256, media_type="video")
    first, later, clipped = found["faces"]
    assert first["label"] == "Jennie" and first["on_preview"]
    assert first["box"] == {"left": 0.1, "top": 0.1, "width": 0.2, "height": 0.4}
    assert later["label"] == "unknown" and not later["on_preview"]  # seen at 7 s, not frame 0
    assert clipped["box"] == {"left": 0.0, "top": 0.0, "width": 1.0, "height": 1.0}
    assert found["preview"] == {"width": 256, "height": 128}

    manipulation = found["manipulation"]
    assert manipulation["available"]
    detectors = {d["signal"]: d for d in manipulation["detectors"]}
    grid = detectors["manipulation"]["heatmap"]
    assert grid["kind"] == "grid" and grid["grid"] == [[0.1, 0.9], [0.2, 0.0]]
    assert detectors["manipulation"]["score"] == 0.83
    assert detectors["ai_generated"]["heatmap"]["src"].startswith("data:image/png;base64,")

    nothing = item_findings({}, 512, 640, 480)
    assert nothing["faces"] == [] and not nothing["faces_analysed"]
    assert nothing["manipulation"]["available"] is False and nothing["provenance"] is None
    assert nothing["risk"] == {"score": None, "reasons": [], "breakdown": None}


def test_blurred_previews_are_cached_unlogged_and_reveals_logged_uncached(
    app: IdolGuard,
) -> None:
    item_id = _open(app, sample("astronaut.jpg"))
    before = [e.action for e in app.custody.entries(subjects={f"item:{item_id}"})]
    blurred = app.review.preview_png(item_id, actor=ACTOR, reveal=False)
    again = app.review.preview_png(item_id, actor=ACTOR, reveal=False)
    assert blurred == again
    cached = list((app.settings.working_dir / "previews").iterdir())
    assert len(cached) == 1 and cached[0].read_bytes() == blurred
    with Image.open(io.BytesIO(blurred)) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    after = [e.action for e in app.custody.entries(subjects={f"item:{item_id}"})]
    assert after == before  # showing a blurred preview is not logged

    revealed = app.review.preview_png(item_id, actor=ACTOR, reveal=True)
    with Image.open(io.BytesIO(revealed)) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert (pixels[..., 0] != pixels[..., 2]).any()
    assert len(list((app.settings.working_dir / "previews").iterdir())) == 1  # not stored
    reveals = [e for e in app.custody.entries(subjects={f"item:{item_id}"}) if e.action == "reveal"]
    assert len(reveals) == 1 and reveals[0].actor == ACTOR
    assert reveals[0].details["blurred"] is False
    assert app.custody.verify().ok
