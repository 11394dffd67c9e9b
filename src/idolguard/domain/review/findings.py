"""What a reviewer needs from a file's stored analysis results, in one JSON-ready dict.

The signals store what they measured in their own shapes (see
``idolguard.signals``), and each signal says how its result is shown
(``Signal.findings``): faces with a box in *fractions* of the picture (so the
browser can overlay them on a preview of any size) and who they are,
manipulation scores and heatmaps, provenance claims, bank matches,
explicitness, the caption's words and the overall risk with its reasons. This
module only lays out the page's blocks and asks every stored result's signal,
looked up by name, to fill them; a signal without a block of its own (a
plug-in's, or one no longer installed) is listed under ``other``.

Nothing here is a verdict: every value is shown as the signal recorded it.
Embeddings never leave the signals' presentation code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idolguard.signals.presentation import FindingsView, number
from idolguard.signals.registry import presentation_for


def preview_size(width: int | None, height: int | None, side: int) -> dict[str, int] | None:
    """The size of a preview of a ``width`` x ``height`` picture shrunk to fit ``side``."""
    if not width or not height or width <= 0 or height <= 0:
        return None
    scale = min(1.0, side / max(width, height))
    return {"width": max(1, round(width * scale)), "height": max(1, round(height * scale))}


def item_findings(
    results: Mapping[str, Any],
    preview_side: int,
    media_width: int | None = None,
    media_height: int | None = None,
    *,
    media_type: str | None = None,
) -> dict[str, Any]:
    """The reviewer's view of stored results (``AnalysisStore.stored_results``' first half).

    Face boxes are fractions (0..1) of the picture's width and height, measured
    in the frame the face signal worked in (its stored width/height, else the
    media's). ``on_preview`` says whether a box belongs on the preview (for a
    video, only faces seen in its first moment do). ``manipulation`` lists the
    detectors' entries; ``other`` those of signals without a block of their own.
    """
    shown = sorted(
        ((name, presentation_for(name)) for name in results),
        key=lambda pair: (pair[1].display_order, pair[0]),
    )
    frame: Mapping[str, Any] = next(
        (
            results[name]
            for name, kind in shown
            if kind.measures_frame and _is_result(results[name])
        ),
        {},
    )
    width = number(frame.get("width")) or number(media_width)
    height = number(frame.get("height")) or number(media_height)
    video = media_type == "video" or "duration_seconds" in frame
    view = FindingsView(results, width, height, video)
    # The page's blocks, empty until a signal fills them.
    blocks: dict[str, Any] = {
        "faces": [],
        "faces_analysed": False,
        "artists": [],
        "provenance": None,
        "bank_verdict": None,
        "bank_matches": [],
        "explicitness": None,
        "caption": None,
        "risk": {"score": None, "reasons": [], "breakdown": None},
        "timeline": [],  # a video's per-second strip per face track (manipulation signal)
    }
    detectors: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for name, kind in shown:
        result = results[name]
        if not _is_result(result):
            continue
        for key, value in kind.findings(result, view).items():
            if key == "detectors":
                detectors.extend(value)
            elif key == "other":
                other.extend(value)
            else:
                blocks[key] = value
    return {
        "media": {
            "width": int(width) if width else None,
            "height": int(height) if height else None,
            "type": media_type,
        },
        "preview": preview_size(
            int(width) if width else None, int(height) if height else None, preview_side
        ),
        "faces": blocks.pop("faces"),
        "faces_analysed": blocks.pop("faces_analysed"),
        "artists": blocks.pop("artists"),
        "manipulation": {"available": bool(detectors), "detectors": detectors},
        **blocks,
        "signals": sorted(results),
        "other": other,
    }


def _is_result(value: Any) -> bool:
    return isinstance(value, Mapping)
