"""What a reviewer needs from a file's stored analysis results, in one JSON-ready dict.

The signals store what they measured in their own shapes (see
``idolguard.signals``); this turns them into the findings a review page shows:
faces with a box in *fractions* of the picture (so the browser can overlay
them on a preview of any size) and who they are, manipulation scores and
heatmaps where a detector provides them, provenance claims, bank matches,
explicitness, the caption's words and the overall risk with its reasons.

Nothing here is a verdict: every value is shown as the signal recorded it.
Embeddings never leave this module.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

# Signals that score manipulation or synthesis of the pixels (face swap, edit,
# AI generation): manipulation and ai_generated ship; whichever of these a scan
# stored is shown, the others for results from plug-ins or earlier versions.
MANIPULATION_SIGNALS = ("manipulation", "deepfake", "face_swap", "ai_generated", "synthetic")
# A video's preview is its first sampled frame: a face box found later in the
# video is listed, but only overlaid when it was seen this close to the start.
PREVIEW_FRAME_SECONDS = 0.5
MAX_HEATMAP_CELLS = 256 * 256
MAX_PROVENANCE_VALUE = 500


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _round(value: Any, digits: int = 4) -> float | None:
    number = _number(value)
    return None if number is None else round(number, digits)


def preview_size(width: int | None, height: int | None, side: int) -> dict[str, int] | None:
    """The size of a preview of a ``width`` x ``height`` picture shrunk to fit ``side``."""
    if not width or not height or width <= 0 or height <= 0:
        return None
    scale = min(1.0, side / max(width, height))
    return {"width": max(1, round(width * scale)), "height": max(1, round(height * scale))}


def _fraction_box(
    box: Sequence[Any], width: float | None, height: float | None
) -> dict[str, float] | None:
    """``[x1, y1, x2, y2]`` in pixels as left/top/width/height fractions, clipped to 0..1."""
    if not width or not height or len(box) != 4:
        return None
    numbers = [_number(v) for v in box]
    if any(n is None for n in numbers):
        return None
    x1, y1, x2, y2 = (float(n or 0.0) for n in numbers)

    def clip(value: float) -> float:
        return max(0.0, min(1.0, value))

    left, top = clip(x1 / width), clip(y1 / height)
    right, bottom = clip(x2 / width), clip(y2 / height)
    if right <= left or bottom <= top:
        return None
    return {
        "left": round(left, 5),
        "top": round(top, 5),
        "width": round(right - left, 5),
        "height": round(bottom - top, 5),
    }


def _candidate(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not entry:
        return None
    return {
        "artist_id": entry.get("artist_id"),
        "name": entry.get("name"),
        "score": _round(entry.get("score")),
        "similarity": _round(entry.get("similarity")),
    }


def _faces(
    results: Mapping[str, Any], width: float | None, height: float | None, video: bool
) -> list[dict[str, Any]]:
    faces = results.get("faces") or {}
    detected = list(faces.get("faces") or [])
    named = list((results.get("identity") or {}).get("faces") or [])
    out: list[dict[str, Any]] = []
    for index, face in enumerate(detected):
        identity: Mapping[str, Any] = named[index] if index < len(named) else {}
        who = _candidate(identity.get("identity"))
        frame_time = _round(face.get("frame_time"), 3)
        box = _fraction_box(face.get("box") or [], width, height)
        on_preview = box is not None and (
            not video or (frame_time is not None and frame_time <= PREVIEW_FRAME_SECONDS)
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
                "det_score": _round(face.get("det_score")),
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


def _heatmap(value: Any) -> dict[str, Any] | None:
    """A heatmap as a PNG data URL or a grid of numbers in 0..1; ``None`` if neither."""
    if isinstance(value, Mapping):
        for key in ("png", "png_base64", "image", "data", "grid", "values"):
            if key in value:
                found = _heatmap(value[key])
                if found is not None:
                    return found
        return None
    if isinstance(value, bytes):
        return {"kind": "png", "src": "data:image/png;base64," + base64.b64encode(value).decode()}
    if isinstance(value, str) and value:
        if value.startswith("data:image/png;base64,"):
            return {"kind": "png", "src": value}
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        if raw.startswith(b"\x89PNG\r\n\x1a\n"):
            return {"kind": "png", "src": "data:image/png;base64," + value}
        return None
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        rows = len(value)
        cols = max(len(row) for row in value)
        if rows * cols == 0 or rows * cols > MAX_HEATMAP_CELLS:
            return None
        grid = [[_round(v, 3) or 0.0 for v in row] + [0.0] * (cols - len(row)) for row in value]
        return {"kind": "grid", "rows": rows, "cols": cols, "grid": grid}
    return None


def _manipulation(results: Mapping[str, Any]) -> dict[str, Any]:
    detectors: list[dict[str, Any]] = []
    for name in MANIPULATION_SIGNALS:
        result = results.get(name)
        if not isinstance(result, Mapping):
            continue
        scores = {
            key: _round(value)
            for key, value in result.items()
            if _number(value) is not None and key not in ("version",)
        }
        heatmap = None
        for key in ("heatmap", "heatmap_png", "saliency", "mask"):
            if key in result:
                heatmap = _heatmap(result[key])
                if heatmap is not None:
                    break
        detectors.append(
            {
                "signal": name,
                "score": _round(result.get("score")),
                "scores": scores,
                "label": result.get("label") or result.get("verdict"),
                "model": result.get("model"),
                "heatmap": heatmap,
            }
        )
    return {"available": bool(detectors), "detectors": detectors}


def _provenance(results: Mapping[str, Any]) -> dict[str, Any] | None:
    provenance = results.get("provenance")
    if not isinstance(provenance, Mapping):
        return None
    findings = []
    for entry in provenance.get("findings") or []:
        value = entry.get("value")
        text = value if isinstance(value, str) else (None if value is None else str(value))
        if text is not None and len(text) > MAX_PROVENANCE_VALUE:
            text = text[:MAX_PROVENANCE_VALUE] + "…"
        findings.append(
            {
                "kind": entry.get("kind"),
                "ai": bool(entry.get("ai")),
                "source": entry.get("source"),
                "value": text,
                "detail": entry.get("detail"),
            }
        )
    findings.sort(key=lambda f: not f["ai"])
    c2pa = provenance.get("c2pa")
    c2pa_out: dict[str, Any] | str | None
    if isinstance(c2pa, Mapping):
        c2pa_out = {
            key: c2pa.get(key)
            for key in ("claim_generator", "signer", "validation_state", "manifest_count")
            if c2pa.get(key) is not None
        }
    else:
        c2pa_out = c2pa if isinstance(c2pa, str) else None
    watermark = provenance.get("watermark")
    return {
        "ai_generated": bool(provenance.get("ai_generated")),
        "findings": findings,
        "c2pa": c2pa_out,
        "watermark": dict(watermark) if isinstance(watermark, Mapping) else None,
    }


def _bank(results: Mapping[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    bank = results.get("bank_match")
    if not isinstance(bank, Mapping):
        return None, []
    matches = [
        {
            "bank": m.get("bank"),
            "bank_kind": m.get("bank_kind"),
            "content_id": m.get("content_id"),
            "label": m.get("label"),
            "signal_type": m.get("signal_type"),
            "distance": m.get("distance"),
            "strength": m.get("strength"),
        }
        for m in bank.get("matches") or []
    ]
    return bank.get("verdict"), matches


def _explicitness(results: Mapping[str, Any]) -> dict[str, Any] | None:
    explicit = results.get("explicit")
    if not isinstance(explicit, Mapping):
        return None
    return {
        "score": _round(explicit.get("score")),
        "mean": _round(explicit.get("mean")),
        "peak_time": _round(explicit.get("peak_time"), 3),
        "frames": explicit.get("frames"),
    }


def _caption(results: Mapping[str, Any]) -> dict[str, Any] | None:
    text = results.get("text")
    if not isinstance(text, Mapping):
        return None
    return {
        "fields": list(text.get("fields") or []),
        "artists": [
            {
                "artist_id": a.get("artist_id"),
                "name": a.get("name"),
                "matched": a.get("matched"),
                "how": a.get("how"),
                "score": _round(a.get("score")),
                "field": a.get("field"),
            }
            for a in text.get("artists") or []
        ],
        "terms": [
            {
                "term": t.get("term"),
                "category": t.get("category"),
                "matched": t.get("matched"),
                "weight": _round(t.get("weight")),
                "field": t.get("field"),
            }
            for t in text.get("terms") or []
        ],
        "manipulation": _round(text.get("manipulation")),
        "sexual": _round(text.get("sexual")),
        "score": _round(text.get("score")),
        "reasons": list(text.get("reasons") or []),
    }


def _breakdown(value: Any) -> dict[str, Any] | None:
    """The risk signal's breakdown (version 3 on): factors and the terms they make.

    ``None`` for results stored before it existed; the page then lists the
    English reasons as they were recorded.
    """
    if not isinstance(value, Mapping):
        return None
    factors = [
        {
            "signal": f.get("signal"),
            "role": f.get("role"),
            "score": _round(f.get("score")),
            "weight": _round(f.get("weight")),
            "value": _round(f.get("value")),
            "key": f.get("key"),
            "values": dict(f.get("values") or {}),
        }
        for f in value.get("factors") or []
        if isinstance(f, Mapping)
    ]
    terms = [
        {"kind": t.get("kind"), "weight": _round(t.get("weight")), "value": _round(t.get("value"))}
        for t in value.get("terms") or []
        if isinstance(t, Mapping)
    ]
    return {
        "who": _round(value.get("who")),
        "harm": _round(value.get("harm")),
        "factors": factors,
        "terms": terms,
    }


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
    video, only faces seen in its first moment do).
    """
    faces_result = results.get("faces") or {}
    width = _number(faces_result.get("width")) or _number(media_width)
    height = _number(faces_result.get("height")) or _number(media_height)
    video = media_type == "video" or "duration_seconds" in faces_result
    risk = results.get("risk") or {}
    verdict, matches = _bank(results)
    return {
        "media": {
            "width": int(width) if width else None,
            "height": int(height) if height else None,
            "type": media_type,
        },
        "preview": preview_size(
            int(width) if width else None, int(height) if height else None, preview_side
        ),
        "faces": _faces(results, width, height, video),
        "faces_analysed": "faces" in results,
        "artists": sorted((results.get("identity") or {}).get("artists") or []),
        "manipulation": _manipulation(results),
        "provenance": _provenance(results),
        "bank_verdict": verdict,
        "bank_matches": matches,
        "explicitness": _explicitness(results),
        "caption": _caption(results),
        "risk": {
            "score": _round(risk.get("score")),
            "reasons": list(risk.get("reasons") or []),
            "breakdown": _breakdown(risk.get("breakdown")),
        },
        "signals": sorted(results),
    }
