"""How detected faces are shown: the review page's face list and the scan JSON's ``faces``.

A face is listed once, with what the signals that run on it found: who it is
(``identity``, by index into the faces) and whether it looks manipulated
(``manipulation``, by index too). Those signals require faces and store one
entry per detected face, so the listing joins them here, next to the detector,
rather than in every place that shows faces. Kept apart from ``faces`` so that
module stays about detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from idolguard.signals.presentation import FindingsView, fraction_box, heatmap_path, rounded

# The signals that store one entry per detected face, in the faces' order.
NAMING_SIGNAL: Final = "identity"
MANIPULATION_SIGNAL: Final = "manipulation"
# Stores entries only for the faces it judged (those named as an artist), with their index.
CONSISTENCY_SIGNAL: Final = "identity_consistency"
# A video's preview is its first sampled frame: a face box found later in the
# video is listed, but only overlaid when it was seen this close to the start.
PREVIEW_FRAME_SECONDS: Final = 0.5


def _candidate(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not entry:
        return None
    return {
        "artist_id": entry.get("artist_id"),
        "name": entry.get("name"),
        "score": rounded(entry.get("score")),
        "similarity": rounded(entry.get("similarity")),
    }


def face_findings(result: Mapping[str, Any], view: FindingsView) -> list[dict[str, Any]]:
    """The review page's faces: boxes in fractions of the frame, who they are, best first."""
    detected = list(result.get("faces") or [])
    named = list((view.results.get(NAMING_SIGNAL) or {}).get("faces") or [])
    out: list[dict[str, Any]] = []
    for index, face in enumerate(detected):
        identity: Mapping[str, Any] = named[index] if index < len(named) else {}
        who = _candidate(identity.get("identity"))
        frame_time = rounded(face.get("frame_time"), 3)
        box = fraction_box(face.get("box") or [], view.width, view.height)
        on_preview = box is not None and (
            not view.video or (frame_time is not None and frame_time <= PREVIEW_FRAME_SECONDS)
        )
        out.append(
            {
                "index": index,
                "box": box,
                "on_preview": on_preview,
                "artist": who["name"] if who else None,
                "artist_id": who["artist_id"] if who else None,
                "label": str(who["name"]) if who else "unknown",
                "score": who["score"] if who else None,
                "similarity": who["similarity"] if who else None,
                "det_score": rounded(face.get("det_score")),
                "candidates": [
                    c for c in (_candidate(x) for x in identity.get("candidates") or []) if c
                ],
                "reason": identity.get("reason"),
                "frame_time": frame_time,
            }
        )
    # The best-named face first, then by detector confidence.
    out.sort(key=lambda f: (f["score"] is None, -(f["score"] or 0.0), -(f["det_score"] or 0.0)))
    return out


def _face_manipulation(entry: dict[str, Any], heatmap_dir: Path | None) -> dict[str, Any]:
    """A face's manipulation result in short: score, verdict, heatmap and (videos) time ranges."""
    out = {
        "score": entry.get("score"),
        "flagged": bool(entry.get("flagged")),
        "heatmap": heatmap_path(entry.get("heatmap"), heatmap_dir),
    }
    if "ranges" in entry:  # a motion range's blurred keyframe is a file beside the heatmaps
        out["ranges"] = [
            dict(r, keyframe=heatmap_path(r.get("keyframe"), heatmap_dir))
            if isinstance(r, dict) and r.get("keyframe")
            else r
            for r in entry["ranges"]
        ]
    temporal = entry.get("temporal")
    if isinstance(temporal, dict):  # videos: the motion score beside the blending one
        out["frame_score"] = entry.get("frame_score")
        out["motion_score"] = temporal.get("score")
    if "path" in entry:  # which cascade path judged the face, and why it took the CLIP path
        out["path"], out["escalated_by"] = entry["path"], entry.get("escalated_by", [])
    if entry.get("note"):
        out["note"] = entry["note"]
    return out


def _face_consistency(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A named face's identity consistency in short: swap score, verdict, reason."""
    out: dict[str, Any] = {
        "score": rounded(entry.get("score")),
        "flagged": bool(entry.get("flagged")),
        "artist": entry.get("name"),
    }
    for key in ("inner", "outer", "cohort", "reason", "note"):
        if entry.get(key) is not None:
            out[key] = entry[key]
    return out


def scan_faces(results: Mapping[str, Any], heatmap_dir: Path | None) -> list[dict[str, Any]]:
    """Detected faces merged with who they are (identity runs separately, per scan)."""
    faces = (results.get("faces") or {}).get("faces", [])
    named = (results.get(NAMING_SIGNAL) or {}).get("faces", [])
    manipulated = (results.get(MANIPULATION_SIGNAL) or {}).get("faces", [])
    consistent = {
        e.get("index"): e
        for e in (results.get(CONSISTENCY_SIGNAL) or {}).get("faces", [])
        if isinstance(e, Mapping)
    }
    merged = []
    for index, face in enumerate(faces):
        who = named[index] if index < len(named) else {}
        judged = manipulated[index] if index < len(manipulated) else None
        entry: dict[str, Any] = {
            "box": face["box"],
            "det_score": face["det_score"],
            "identity": who.get("identity"),
            "candidates": who.get("candidates", []),
            "manipulation": _face_manipulation(judged, heatmap_dir) if judged else None,
            # Only for a face the roster names: the others are not judged (nor charged for).
            "identity_consistency": (
                _face_consistency(consistent[index])
                if who.get("identity") and index in consistent
                else None
            ),
        }
        if "frame_time" in face:
            entry["frame_time"] = face["frame_time"]
            entry["track"] = face.get("track")
        merged.append(entry)
    return merged
