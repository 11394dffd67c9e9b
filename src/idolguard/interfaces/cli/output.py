"""How scan records look to people (tables) and to programs (JSON Lines)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.table import Table

from idolguard.storage.analysis_store import FileRecord


def _text_json(text: dict[str, Any] | None) -> dict[str, Any] | None:
    """The caption text signal in short: who is named, which words, its score."""
    if not text:
        return None
    return {
        "fields": list(text.get("fields", [])),
        "artists": [a.get("name") for a in text.get("artists", [])],
        "terms": [t.get("term") for t in text.get("terms", [])],
        "score": text.get("score"),
    }


def record_to_json(record: FileRecord, heatmap_dir: Path | None = None) -> dict[str, Any]:
    """The documented per-file JSON object (README, "Scan output").

    Heatmaps are listed as paths under ``heatmap_dir`` when given (the
    installation's working folder), else by their names relative to it.
    """
    pdq = record.results.get("pdq") or {}
    bank = record.results.get("bank_match") or {}
    risk = record.results.get("risk") or {}
    explicit = record.results.get("explicit")
    provenance = record.results.get("provenance")
    manipulation = record.results.get("manipulation") or {}
    ai_generated = record.results.get("ai_generated") or {}
    return {
        "path": record.location,
        "sha256": record.sha256,
        "md5": record.md5,
        "size_bytes": record.size_bytes,
        "media_type": record.media_type,
        "format": record.format,
        "width": record.width,
        "height": record.height,
        "duration_seconds": record.duration_seconds,
        "error": record.error,
        "error_code": record.error_code,
        "pdq": pdq.get("hash"),
        "pdq_quality": pdq.get("quality"),
        "bank_matches": list(bank.get("matches", [])),
        "bank_verdict": bank.get("verdict"),
        "faces": faces_json(record, heatmap_dir),
        "artists": list((record.results.get("identity") or {}).get("artists", [])),
        "explicit": explicit.get("score") if explicit else None,
        "manipulation": manipulation.get("score"),
        "ai_generated": ai_generated.get("combined"),
        "heatmaps": _heatmaps(manipulation, heatmap_dir),
        "provenance": provenance,
        "text": _text_json(record.results.get("text")),
        "risk": risk.get("score"),
        "reasons": list(risk.get("reasons", [])),
        "signals": {
            name: {"version": record.versions.get(name), **_without_embeddings(data)}
            for name, data in record.results.items()
        },
        "signal_errors": record.signal_errors,
        "cached_signals": record.cached,
        "original_stored": record.original_stored,
        "warnings": record.warnings,
    }


def _heatmap_path(name: Any, heatmap_dir: Path | None) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    return str(heatmap_dir / name) if heatmap_dir is not None else name


def _heatmaps(manipulation: dict[str, Any], heatmap_dir: Path | None) -> list[str]:
    found = (_heatmap_path(f.get("heatmap"), heatmap_dir) for f in manipulation.get("faces", []))
    return [path for path in found if path]


def _face_manipulation(entry: dict[str, Any], heatmap_dir: Path | None) -> dict[str, Any]:
    """A face's manipulation result in short: score, verdict, heatmap and (videos) time ranges."""
    out = {
        "score": entry.get("score"),
        "flagged": bool(entry.get("flagged")),
        "heatmap": _heatmap_path(entry.get("heatmap"), heatmap_dir),
    }
    if "ranges" in entry:
        out["ranges"] = entry["ranges"]
    if "path" in entry:  # which cascade path judged the face, and why it took the CLIP path
        out["path"], out["escalated_by"] = entry["path"], entry.get("escalated_by", [])
    if entry.get("note"):
        out["note"] = entry["note"]
    return out


def faces_json(record: FileRecord, heatmap_dir: Path | None = None) -> list[dict[str, Any]]:
    """Detected faces merged with who they are (identity runs separately, per scan)."""
    faces = (record.results.get("faces") or {}).get("faces", [])
    named = (record.results.get("identity") or {}).get("faces", [])
    manipulated = (record.results.get("manipulation") or {}).get("faces", [])
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
        }
        if "frame_time" in face:
            entry["frame_time"] = face["frame_time"]
            entry["track"] = face.get("track")
        merged.append(entry)
    return merged


# Bulky per-face data kept in the database but left out of printed results:
# embeddings are biometric and kilobytes each, tracks' observations and heatmap
# cells are for the review page.
_NOT_PRINTED = {"embedding", "cells"}


def _without_embeddings(data: dict[str, Any]) -> dict[str, Any]:
    """Signal results as printed: without embeddings, observation lists and heatmap cells."""
    if not isinstance(data.get("faces"), list):
        return data
    faces = []
    for face in data["faces"]:
        if isinstance(face, dict):
            face = {k: v for k, v in face.items() if k not in _NOT_PRINTED}
            track = face.get("track")
            if isinstance(track, dict) and "observations" in track:
                face["track"] = {k: v for k, v in track.items() if k != "observations"}
        faces.append(face)
    return {**data, "faces": faces}


def write_json_line(obj: dict[str, Any], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


VERDICT_STYLE = {
    "match": "bold red",
    "possible-match": "yellow",
    "allow-listed": "cyan",
    "none": "green",
}


def records_table(records: Sequence[FileRecord], title: str, root: Path | None = None) -> Table:
    """A table of verdicts; paths are shown relative to ``root`` when they are under it."""
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("File", overflow="fold", max_width=48)
    table.add_column("Type")
    table.add_column("Fingerprint")
    table.add_column("Artists", overflow="fold", max_width=30)
    table.add_column("Risk", no_wrap=True)
    table.add_column("Bank", no_wrap=True)
    table.add_column("Best match / problem", overflow="fold", max_width=60)
    for record in sorted(records, key=lambda r: r.location):
        name = _short_path(record.location, root)
        if record.error is not None:
            table.add_row(
                name, record.media_type or "?", "-", "", "", "[red]error[/]", record.error
            )
            continue
        fingerprint = _fingerprint(record)
        bank = record.results.get("bank_match") or {}
        verdict = str(bank.get("verdict", "-"))
        style = VERDICT_STYLE.get(verdict, "")
        matches = bank.get("matches") or []
        detail = _match_text(matches[0]) if matches else ""
        if len(matches) > 1:
            detail += f" (+{len(matches) - 1} more)"
        risk = (record.results.get("risk") or {}).get("score")
        table.add_row(
            name,
            record.media_type or "?",
            fingerprint,
            _artists_text(record),
            _risk_text(risk),
            f"[{style}]{verdict}[/]" if style else verdict,
            detail,
        )
    return table


def _artists_text(record: FileRecord) -> str:
    faces = faces_json(record)
    if not faces:
        return "-" if "faces" in record.results else ""
    names = [f["identity"]["name"] for f in faces if f.get("identity")]
    unknown = len(faces) - len(names)
    parts = sorted(set(names))
    if unknown:
        parts.append(f"{unknown} unknown")
    return ", ".join(parts)


def _risk_text(risk: float | None) -> str:
    if risk is None:
        return ""
    style = "bold red" if risk >= 0.7 else "yellow" if risk >= 0.3 else "green"
    return f"[{style}]{risk:.2f}[/]"


def _fingerprint(record: FileRecord) -> str:
    pdq = record.results.get("pdq")
    if pdq is not None:
        if pdq.get("hash"):
            return f"pdq {pdq['hash'][:12]}… q{pdq['quality']}"
        return f"pdq low quality ({pdq.get('quality')})"
    vpdq = record.results.get("vpdq")
    if vpdq is not None:
        return f"vpdq {len(vpdq.get('frames', []))} frames"
    return f"sha256 {record.sha256[:12]}…" if record.sha256 else "-"


def _match_text(match: dict[str, Any]) -> str:
    text = f"{match['bank']}/{match['content_id']} {match['signal_type']} d={match['distance']}"
    if match.get("variant") and match["variant"] != "original":
        text += f" ({match['variant']})"
    if match.get("query_variant") == "trimmed":
        text += " [border trimmed]"
    if match.get("query_match_percent") is not None:
        text += f" {match['query_match_percent']:.0f}% frames"
    return text


def _short_path(location: str, root: Path | None, keep: int = 48) -> str:
    if root is not None:
        with contextlib.suppress(ValueError):
            location = str(Path(location).relative_to(root))
    return location if len(location) <= keep else "…" + location[-(keep - 1) :]
