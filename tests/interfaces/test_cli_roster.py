"""``idolguard roster`` and ``idolguard models`` through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import face_photo, sample
from tests.interfaces.test_cli import jsonl, run


def test_roster_workflow_and_scan_output(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = run(
        home,
        "roster",
        "add",
        "Yao Ming",
        "--photo",
        str(face_photo("yaoming.jpg")),
        "--alias",
        "姚明",
        "--alias",
        "야오밍",
        "--group",
        "Houston Rockets",
    )
    assert "enrolled Yao Ming (#1) with 1 photo(s)" in added.stdout

    rejected = run(
        home,
        "roster",
        "add",
        "Nobody",
        "--photo",
        str(sample("coffee.jpg")),
        "--photo",
        str(face_photo("players.jpg")),
        check=False,
    )
    assert rejected.returncode == 2
    assert "coffee.jpg: no face found" in rejected.stderr
    assert "faces found" in rejected.stderr

    listed = json.loads(run(home, "roster", "list", "--json").stdout)
    assert listed == [
        {
            "id": 1,
            "name": "Yao Ming",
            "group": "Houston Rockets",
            "aliases": ["姚明", "야오밍"],
            "photos": 1,
            "templates": 1,
        }
    ]
    assert json.loads(run(home, "roster", "list", "--json", "rockets").stdout)[0]["id"] == 1

    scanned = jsonl(run(home, "scan", "--json", str(face_photo("players.jpg"))).stdout)
    faces = scanned[0]["faces"]
    assert [f["identity"]["name"] for f in faces if f["identity"]] == ["Yao Ming"]
    assert {"box", "det_score", "identity", "candidates"} <= set(faces[0])
    assert scanned[0]["risk"] is not None and scanned[0]["reasons"]

    missing = run(home, "roster", "remove", "Nobody", "--yes", check=False)
    assert missing.returncode == 2 and "no artist named" in missing.stderr
    assert "removed Yao Ming" in run(home, "roster", "remove", "야오밍", "--yes").stdout
    assert json.loads(run(home, "roster", "list", "--json").stdout) == []


def test_models_lists_licences_and_the_selected_backend(tmp_path: Path) -> None:
    rows = json.loads(run(tmp_path, "models", "--json").stdout)
    by_name = {row["name"]: row for row in rows}
    arcface = by_name["face backend `arcface` (selected)"]
    assert arcface["commercial_use"] is False and "non-commercial" in arcface["licence"]
    assert by_name["face backend `dlib`"]["commercial_use"] is True
    assert 0 < arcface["false_accept_rate"] <= 0.01
    switched = json.loads(run(tmp_path, "--face-backend", "dlib", "models", "--json").stdout)
    assert any(row["name"] == "face backend `dlib` (selected)" for row in switched)
    bad = run(tmp_path, "--face-backend", "nope", "models", check=False)
    assert bad.returncode == 2 and "unknown face backend" in bad.stderr
