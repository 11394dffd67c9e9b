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


def record_to_json(record: FileRecord) -> dict[str, Any]:
    """The documented per-file JSON object (README, "Scan output")."""
    pdq = record.results.get("pdq") or {}
    bank = record.results.get("bank_match") or {}
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
        "signals": {
            name: {"version": record.versions.get(name), **data}
            for name, data in record.results.items()
        },
        "signal_errors": record.signal_errors,
        "cached_signals": record.cached,
        "original_stored": record.original_stored,
        "warnings": record.warnings,
    }


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
    table.add_column("Bank", no_wrap=True)
    table.add_column("Best match / problem", overflow="fold", max_width=60)
    for record in sorted(records, key=lambda r: r.location):
        name = _short_path(record.location, root)
        if record.error is not None:
            table.add_row(name, record.media_type or "?", "-", "[red]error[/]", record.error)
            continue
        fingerprint = _fingerprint(record)
        bank = record.results.get("bank_match") or {}
        verdict = str(bank.get("verdict", "-"))
        style = VERDICT_STYLE.get(verdict, "")
        matches = bank.get("matches") or []
        detail = _match_text(matches[0]) if matches else ""
        if len(matches) > 1:
            detail += f" (+{len(matches) - 1} more)"
        table.add_row(
            name,
            record.media_type or "?",
            fingerprint,
            f"[{style}]{verdict}[/]" if style else verdict,
            detail,
        )
    return table


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
