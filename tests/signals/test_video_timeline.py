"""The review strip of a video's tracks, built from what the manipulation signal stored."""

from __future__ import annotations

from pathlib import Path

from idolguard.signals.manipulation import ManipulationSignal
from idolguard.signals.video_timeline import video_timeline

RESULT = {
    "score": 0.91,
    "faces": [
        {
            "index": 0,
            "score": 0.91,
            "flagged": True,
            "frame_score": 0.2,
            "temporal": {"score": 0.91},
            "seconds": {"frames": [0.1, None, 0.3, 0.2], "motion": [None, 0.95, 0.91, None]},
            "ranges": [{"start": 1.0, "end": 2.5, "peak": 0.95, "source": "motion"}],
        },
        {"index": 1, "score": 0.1, "flagged": False},  # an image-style entry: no strip
    ],
}


def test_cells_take_the_higher_score_of_each_second_and_mark_flagged_ones() -> None:
    (track,) = video_timeline(RESULT)
    assert track["face"] == 0 and track["motion_score"] == 0.91
    assert [c["value"] for c in track["cells"]] == [0.1, 0.95, 0.91, 0.2]
    assert [c["level"] for c in track["cells"]] == [1, 9, 9, 2]
    assert [c["flagged"] for c in track["cells"]] == [False, True, True, False]
    assert track["strip"] == ".@@:"
    assert track["ranges"] == [
        {"start": 1.0, "end": 2.5, "peak": 0.95, "source": "motion", "at": 1.75}
    ]


def test_the_report_lists_each_tracks_strip_and_flagged_moments() -> None:
    rows = ManipulationSignal.report_scores(RESULT)
    assert [r.name for r in rows] == ["manipulation", "manipulation track 0"]
    assert rows[1].detail == "face track 0, per second [.@@:]; flagged 1-2.5 s motion 0.95"


def test_nothing_to_draw_for_images_or_damaged_results() -> None:
    assert video_timeline({"faces": [{"index": 0, "score": 0.5}]}) == []
    assert video_timeline({"faces": ["junk", {"seconds": "junk"}]}) == []
    assert video_timeline({}) == []


def test_the_scan_json_face_shows_both_video_scores() -> None:
    from idolguard.signals.faces_presentation import _face_manipulation

    video = _face_manipulation(RESULT["faces"][0], None)  # type: ignore[arg-type]
    assert video["score"] == 0.91 and video["frame_score"] == 0.2 and video["motion_score"] == 0.91
    picture = _face_manipulation({"score": 0.3, "flagged": False}, None)
    assert "motion_score" not in picture and "frame_score" not in picture


def test_keyframes_in_the_scan_json_are_paths_under_the_heatmap_folder(tmp_path: Path) -> None:
    from idolguard.signals.faces_presentation import _face_manipulation

    entry = {
        "score": 0.9,
        "flagged": True,
        "ranges": [
            {"start": 0.0, "end": 1.5, "source": "motion", "keyframe": "ab/ab-face0-t750.png"},
            {"start": 3.0, "end": 4.0, "source": "frames"},
        ],
    }
    ranges = _face_manipulation(entry, tmp_path)["ranges"]
    assert ranges[0]["keyframe"] == str(tmp_path / "ab/ab-face0-t750.png")
    assert "keyframe" not in ranges[1]
