"""How scan records look to people (one line per file), to pipes (TSV) and programs (JSON Lines)."""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:  # only types here: the CLI loads nothing it does not run for --help
    from idolguard.pipeline.records import FileRecord
    from idolguard.signals.presentation import ScanField


def record_to_json(record: FileRecord, heatmap_dir: Path | None = None) -> dict[str, Any]:
    """The documented per-file JSON object (README, "Scan output").

    Between the file's own fields and the raw ``signals``, each signal gives its
    fields (``Signal.scan_fields``), in their documented order; a plug-in's come
    after the built-ins'. Heatmaps are listed as paths under ``heatmap_dir`` when
    given (the installation's working folder), else by their names relative to it.
    """
    from idolguard.pipeline.records import printable_location

    out: dict[str, Any] = {
        "path": printable_location(record.location),
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
        "error_detail": record.error_detail,
    }
    for field in _signal_fields(record.results, heatmap_dir):
        out.setdefault(field.key, field.value)  # a plug-in cannot overwrite a documented key
    signals = {
        name: {"version": record.versions.get(name), **_without_embeddings(data)}
        for name, data in record.results.items()
    }
    return {
        **out,
        "signals": signals,
        "signal_errors": record.signal_errors,
        "cached_signals": record.cached,
        "original_stored": record.original_stored,
        "warnings": record.warnings,
    }


def _signal_fields(results: dict[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
    """Every signal's scan fields: each installed signal's, then those of other stored names."""
    from idolguard.signals.registry import presentation_for, signal_types  # not for --help

    known = signal_types()
    names = [*known, *(name for name in results if name not in known)]
    fields = [
        field
        for name in names
        for field in presentation_for(name).scan_fields(results, heatmap_dir)
    ]
    return sorted(fields, key=lambda field: field.position)  # stable: ties keep signal order


def faces_json(record: FileRecord, heatmap_dir: Path | None = None) -> list[dict[str, Any]]:
    """Detected faces merged with who they are (identity runs separately, per scan)."""
    from idolguard.signals.faces_presentation import scan_faces  # not for --help

    return scan_faces(record.results, heatmap_dir)


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


def json_line(obj: dict[str, Any]) -> str:
    """One JSON Lines record, without its newline."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_json_line(obj: dict[str, Any], stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(json_line(obj) + "\n")
    out.flush()


VERDICT_STYLE = {
    "match": "bold red",
    "possible-match": "yellow",
    "allow-listed": "cyan",
    "none": "green",
    "error": "red",
}

# Terminal columns: risk and verdict are fixed; file, artists and reason share what is left.
_GAP = "  "
_RISK_WIDTH = 4
_VERDICT_WIDTH = len("possible-match")
_HEADER = ("RISK", "VERDICT", "FILE", "ARTISTS", "REASON")


@dataclass(frozen=True)
class ScanRow:
    """What one line of the scan listing says about a file (terminal and TSV alike)."""

    path: str
    media_type: str
    risk: float | None
    verdict: str
    artists: str
    reason: str

    def tsv(self) -> str:
        """The row as tab-separated fields: path, type, risk, verdict, artists, reason."""
        risk = "" if self.risk is None else f"{self.risk:.2f}"
        fields = (self.path, self.media_type, risk, self.verdict, self.artists, self.reason)
        return "\t".join(_one_line(f).replace("\t", " ") for f in fields)


def scan_row(record: FileRecord) -> ScanRow:
    """The listing's view of a record: its verdict and the single strongest reason."""
    if record.error is not None:
        return ScanRow(record.location, record.media_type or "", None, "error", "", record.error)
    bank = record.results.get("bank_match") or {}
    risk = record.results.get("risk") or {}
    reason = _strongest_reason(record.results)
    return ScanRow(
        path=record.location,
        media_type=record.media_type or "",
        risk=risk.get("score"),
        verdict=str(bank.get("verdict") or "-"),
        artists=_artists_text(record),
        reason=reason,
    )


def _strongest_reason(results: dict[str, Any]) -> str:
    """The first reason of the first signal (by display order) that gives one."""
    from idolguard.signals.registry import presentation_for  # not for --help

    kinds = sorted(
        ((presentation_for(name), result) for name, result in results.items()),
        key=lambda pair: (pair[0].display_order, pair[0].name),
    )
    for kind, result in kinds:
        reasons = kind.scan_reasons(result) if isinstance(result, dict) else []
        if reasons:
            return reasons[0]
    return ""


class RowPrinter:
    """Prints each file's line as soon as it is known, the way ``gh`` lists things.

    On a terminal: aligned columns cut to the terminal's width, one line per
    file, paths ellipsised from the left (their end names the file). Piped: plain
    tab-separated fields, no header and no colour, so ``cut``/``sort``/``awk`` work.
    """

    def __init__(self, out: Console, root: Path | None = None) -> None:
        self.out = out
        self.root = root
        self.plain = not out.is_terminal
        self._header_done = False

    def print(self, record: FileRecord) -> None:
        row = scan_row(record)
        if self.plain:
            self.out.file.write(row.tsv() + "\n")
            self.out.file.flush()
            return
        if not self._header_done:
            self._header_done = True
            self.out.print(self._line(_HEADER, style="bold"), no_wrap=True, crop=True)
        self.out.print(self._row_line(row), no_wrap=True, crop=True)

    def _widths(self) -> tuple[int, int, int]:
        """Cells for file, artists and reason at the current terminal width."""
        rest = max(30, self.out.width - _RISK_WIDTH - _VERDICT_WIDTH - 4 * len(_GAP))
        artists = max(7, rest // 6)
        path = max(12, (rest - artists) * 2 // 5)
        return path, artists, rest - path - artists

    def _line(self, cells: tuple[str, ...], style: str = "") -> Text:
        path, artists, reason = self._widths()
        widths = (_RISK_WIDTH, _VERDICT_WIDTH, path, artists, reason)
        return Text(_GAP.join(_fit(c, w) for c, w in zip(cells, widths, strict=True)), style)

    def _row_line(self, row: ScanRow) -> Text:
        path, artists, reason = self._widths()
        risk = "" if row.risk is None else f"{row.risk:.2f}"
        return Text.assemble(
            (_fit(risk, _RISK_WIDTH), _risk_style(row.risk)),
            _GAP,
            (_fit(row.verdict, _VERDICT_WIDTH), VERDICT_STYLE.get(row.verdict, "")),
            _GAP,
            _fit(_short_path(row.path, self.root, path), path),
            _GAP,
            _fit(row.artists, artists),
            _GAP,
            _fit(_one_line(row.reason), reason, pad=False),
        )


def _one_line(text: str) -> str:
    return " ".join(text.split()) if any(c in text for c in "\r\n\t") else text


def _fit(text: str, width: int, *, pad: bool = True) -> str:
    """``text`` in exactly ``width`` terminal cells: cut with an ellipsis, or padded."""
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width) if pad else text


def _left_fit(text: str, width: int) -> str:
    """``text`` cut from the left to ``width`` cells, so a path keeps its file name."""
    if cell_len(text) <= width:
        return text
    kept = ""
    for char in reversed(text):
        if cell_len(char + kept) > width - 1:
            break
        kept = char + kept
    return "…" + kept


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


def _risk_style(risk: float | None) -> str:
    if risk is None:
        return ""
    return "bold red" if risk >= 0.7 else "yellow" if risk >= 0.3 else "green"


def _short_path(location: str, root: Path | None, width: int) -> str:
    """The path relative to ``root`` when under it, cut from the left to ``width`` cells."""
    if root is not None:
        with contextlib.suppress(ValueError):
            location = str(Path(location).relative_to(root))
    return _left_fit(location, width)
