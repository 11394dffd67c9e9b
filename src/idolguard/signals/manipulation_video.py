"""The manipulation signal's video tracks, merged with their temporal evidence.

Kept apart from ``signals.manipulation`` (which scores faces for blending)
because it only combines: the blending verdict over a track's 1 fps frames,
and ``forensics.temporal``'s verdict over its dense windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from idolguard.forensics.temporal.evidence import TemporalEvidence, per_second, score_jitter
from idolguard.forensics.temporal.keyframes import keyframe_name, render_keyframe
from idolguard.signals.base import AnalysisItem, JSONDict

# A track's blending scores over its sampled frames: (times, probabilities).
FrameStrip = tuple[list[float], list[float]]


def add_temporal(
    temporal: TemporalEvidence,
    item: AnalysisItem,
    duration: float,
    faces: Mapping[str, Any],
    entries: list[JSONDict],
    strips: Mapping[int, FrameStrip],
    frames: Mapping[float, Any],
    heatmap_dir: Path | None,
) -> None:
    """Each track's motion evidence, merged into its entry in place.

    The track's ``score`` becomes the higher of the blending score over
    frames (kept as ``frame_score``) and the temporal score, and it is
    flagged when either reaches its own calibrated threshold: an animated
    photo has no blending to find, a swap may move naturally. ``frames``
    are the 1 fps sampled frames by time; the one nearest each flagged
    motion range's peak becomes its blurred keyframe under ``heatmap_dir``.
    """
    tracks = [
        [
            (float(o["time"]), np.asarray(o["landmarks"], dtype=np.float64))
            for o in (face.get("track") or {}).get("observations") or []
        ]
        for face in faces.get("faces", [])
    ]
    evidence = temporal.tracks(item.path, duration, tracks)
    for entry, found in zip(entries, evidence, strict=True):
        index = int(entry["index"])
        times, probabilities = strips.get(index, ([], []))
        entry["seconds"] = per_second(duration, times, probabilities, found["windows"])
        found["frame_jitter"] = score_jitter(probabilities)
        entry["frame_score"] = entry.get("score")
        entry["frame_flagged"] = bool(entry.get("flagged"))
        for time_range in found["ranges"]:
            peak = max(
                (
                    w
                    for w in found["windows"]
                    if time_range["start"] <= w["start"] <= time_range["end"]
                ),
                key=lambda w: w["score"],
            )
            at = (peak["start"] + peak["end"]) / 2
            time_range["keyframe"] = _keyframe(heatmap_dir, item.sha256, index, at, frames)
        entry["temporal"] = found
        if found["score"] is None:
            continue
        known = [v for v in (entry.get("score"), found["score"]) if v is not None]
        entry["score"] = round(max(known), 4)
        entry["flagged"] = entry["frame_flagged"] or bool(found["flagged"])
        entry["ranges"] = sorted(
            [dict(r, source="frames") for r in entry.get("ranges", [])]
            + [
                {
                    "start": r["start"],
                    "end": r["end"],
                    "peak": r["peak"],
                    "source": "motion",
                    "keyframe": r.get("keyframe"),
                }
                for r in found["ranges"]
            ],
            key=lambda r: r["start"],
        )


def _keyframe(
    heatmap_dir: Path | None,
    sha256: str,
    index: int,
    seconds: float,
    frames: Mapping[float, Any],
) -> str | None:
    """The blurred sampled frame nearest ``seconds``, written under the heatmap folder."""
    if heatmap_dir is None or not frames:
        return None
    nearest = min(frames, key=lambda t: abs(t - seconds))
    name = keyframe_name(sha256, index, nearest)
    target = heatmap_dir / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        partial.write_bytes(render_keyframe(frames[nearest].image))
        partial.replace(target)
    return name
