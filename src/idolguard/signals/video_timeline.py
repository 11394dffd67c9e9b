"""The per-second strip of a video's face tracks, as the review page and report show it.

The manipulation signal stores, per track, the highest frame (blending)
score and the highest motion (temporal) score of each second, and the
flagged ranges with where they came from. This turns that into cells a
template can draw without arithmetic: one per second, a level 0-9 for its
colour, whether a flagged range covers it, and a text strip for the PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idolguard.signals.presentation import (
    NOT_SCORED,
    ReportScore,
    ScoreExplanation,
    format_score,
)

LEVELS = " .:-=+*#%@"  # the report's text strip: one character per second, darker = higher


def video_timeline(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per track that has a strip (videos analysed with temporal evidence)."""
    out = []
    for face in result.get("faces") or []:
        if not isinstance(face, Mapping):
            continue
        seconds = face.get("seconds")
        if not isinstance(seconds, Mapping):
            continue
        frames = list(seconds.get("frames") or [])
        motion = list(seconds.get("motion") or [])
        ranges = [r for r in face.get("ranges") or [] if isinstance(r, Mapping)]
        cells = []
        for t in range(max(len(frames), len(motion))):
            known = [
                float(v) for v in (_at(frames, t), _at(motion, t)) if isinstance(v, int | float)
            ]
            value = max(known) if known else None
            cells.append(
                {
                    "t": t,
                    "frames": _at(frames, t),
                    "motion": _at(motion, t),
                    "value": value,
                    "level": None if value is None else min(9, int(value * 10)),
                    "flagged": any(_covers(r, t) for r in ranges),
                }
            )
        temporal = face.get("temporal") if isinstance(face.get("temporal"), Mapping) else {}
        out.append(
            {
                "face": face.get("index"),
                "score": face.get("score"),
                "flagged": bool(face.get("flagged")),
                "frame_score": face.get("frame_score"),
                "motion_score": (temporal or {}).get("score"),
                "cells": cells,
                "strip": "".join("?" if c["level"] is None else LEVELS[c["level"]] for c in cells),
                "ranges": [
                    {
                        "start": r.get("start"),
                        "end": r.get("end"),
                        "peak": r.get("peak"),
                        "source": "motion" if r.get("source") == "motion" else "frames",
                        "at": round((float(r["start"]) + float(r["end"])) / 2, 2),
                    }
                    for r in ranges
                    if isinstance(r.get("start"), int | float)
                    and isinstance(r.get("end"), int | float)
                ],
            }
        )
    return out


def timeline_report_rows(
    name: str, result: Mapping[str, Any], explanation: ScoreExplanation | None
) -> list[ReportScore]:
    """The evidence report's rows for a video: each track's strip and flagged moments."""
    rows = []
    for track in video_timeline(result):
        moments = "; ".join(
            f"{r['start']:g}-{r['end']:g} s {r['source']} {r['peak']:.2f}"
            for r in track["ranges"]
            if isinstance(r.get("peak"), int | float)
        )
        detail = f"face track {track['face']}, per second [{track['strip']}]" + (
            f"; flagged {moments}" if moments else ""
        )
        score = track["score"]
        rows.append(
            ReportScore(
                f"{name} track {track['face']}",
                format_score(score) if isinstance(score, int | float) else NOT_SCORED,
                detail,
                explanation,
            )
        )
    return rows


def _at(values: list[Any], t: int) -> Any:
    return values[t] if t < len(values) else None


def _covers(time_range: Mapping[str, Any], second: int) -> bool:
    start, end = time_range.get("start"), time_range.get("end")
    if not isinstance(start, int | float) or not isinstance(end, int | float):
        return False
    return start < second + 1 and end > second
