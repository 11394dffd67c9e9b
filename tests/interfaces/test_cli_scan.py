"""The scan listing: one line per file, streamed; aligned on a terminal, tab-separated in a pipe."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from idolguard.interfaces.cli.output import RowPrinter, scan_row
from idolguard.interfaces.cli.scan import run_and_report
from idolguard.pipeline.records import FileRecord

LONG = "/srv/reports/2026/팬제보/twitter/very-long-folder-name-of-the-reporting-fan/clip-0001.jpg"


def _record(location: str, **results: dict[str, Any]) -> FileRecord:
    return FileRecord(location=location, sha256="ab" * 32, media_type="image", results=results)


def _records() -> list[FileRecord]:
    identity = {"faces": [{"identity": {"name": "지수"}}, {}]}
    faces = {"faces": [{"box": [0, 0, 9, 9], "det_score": 0.9}] * 2}
    return [
        _record(
            LONG,
            faces=faces,
            identity=identity,
            bank_match={"verdict": "possible-match", "matches": []},
            risk={
                "score": 0.91,
                "reasons": [
                    "지수 (0.93) with face manipulation 0.99 [smtp]",
                    "hash possible-match in block bank(s) confirmed",
                ],
            },
        ),
        _record("/srv/reports/calm.jpg", bank_match={"verdict": "none"}, risk={"score": 0.02}),
        FileRecord(location="/srv/reports/broken.jpg", error="truncated\tJPEG\ndata"),
    ]


class FakeScanner:
    """Yields records one by one and notes what had been printed when each was produced."""

    def __init__(self, records: list[FileRecord], out: io.StringIO) -> None:
        self.records = records
        self.out = out
        self.printed_before: list[str] = []
        self.settings = SimpleNamespace(heatmap_dir=None)
        self.summary = SimpleNamespace(total=len(records), analysed=2, cached=0, failed=1)
        self.summary.scan_id = 7

    def scan(self, paths: Iterable[Path], progress: Any = None) -> Iterator[FileRecord]:
        for record in self.records:
            self.printed_before.append(self.out.getvalue())
            yield record


def _consoles(terminal: bool, width: int = 80) -> tuple[io.StringIO, Console, Console]:
    buffer = io.StringIO()
    out = Console(file=buffer, force_terminal=terminal, width=width, markup=False)
    err = Console(file=io.StringIO(), force_terminal=False)
    return buffer, out, err


def test_piped_lines_are_tab_separated_and_stream_as_files_finish() -> None:
    buffer, out, err = _consoles(terminal=False)
    scanner = FakeScanner(_records(), buffer)
    run_and_report(scanner, [Path("/srv/reports")], as_json=False, console=err, out=out)  # type: ignore[arg-type]
    lines = buffer.getvalue().splitlines()
    # Each file's line was out before the next file was produced: nothing waits for the end.
    assert scanner.printed_before == ["", lines[0] + "\n", lines[0] + "\n" + lines[1] + "\n"]
    assert [line.split("\t") for line in lines] == [
        [
            LONG,
            "image",
            "0.91",
            "possible-match",
            "지수, 1 unknown",
            "지수 (0.93) with face manipulation 0.99 [smtp]",
        ],
        ["/srv/reports/calm.jpg", "image", "0.02", "none", "", ""],
        ["/srv/reports/broken.jpg", "", "", "error", "", "truncated JPEG data"],
    ]
    assert "\x1b[" not in buffer.getvalue()


def test_terminal_lines_fit_80_columns_one_per_file() -> None:
    buffer, out, err = _consoles(terminal=True)
    scanner = FakeScanner(_records(), buffer)
    run_and_report(scanner, [Path("/srv/reports")], as_json=False, console=err, out=out)  # type: ignore[arg-type]
    text = _strip_ansi(buffer.getvalue()).replace("\r", "\n")
    # The (transient) progress bar shares the terminal; the listing is everything else.
    lines = [line for line in text.splitlines() if line.strip() and "scanning" not in line]
    assert len(lines) == 1 + 3  # header, then exactly one line per file
    assert lines[0].split() == ["RISK", "VERDICT", "FILE", "ARTISTS", "REASON"]
    assert all(cell_len(line) <= 80 for line in lines), lines
    first, calm, broken = lines[1:]
    assert first.startswith("0.91  possible-match  …")
    assert "clip-0001.jpg" in first  # cut from the left: the file name stays
    assert "지수 (0.93) with" in first  # the strongest reason, not the weaker one
    assert "hash possible-match" not in first
    assert "calm.jpg" in calm and broken.split()[:1] == ["error"]
    assert "truncated JPEG data" in broken


def test_scan_row_prefers_the_strongest_reason_then_a_bank_match() -> None:
    match = {"bank": "confirmed", "content_id": "c1", "signal_type": "pdq", "distance": 4}
    record = _record("/x.jpg", bank_match={"verdict": "match", "matches": [match]})
    assert scan_row(record).reason == "confirmed/c1 pdq d=4"
    record.results["risk"] = {"score": 0.95, "reasons": ["hash match in block bank(s) confirmed"]}
    assert scan_row(record).reason == "hash match in block bank(s) confirmed"


def test_wide_terminal_keeps_whole_paths() -> None:
    buffer, out, _ = _consoles(terminal=True, width=160)
    record = _records()[0]
    record.location = "/srv/reports/2026/팬제보/clip-0001.jpg"
    RowPrinter(out).print(record)
    assert record.location in _strip_ansi(buffer.getvalue())


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text)


def test_json_lines_reach_redirected_stdout_while_the_bar_draws_on_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``scan --json > out.jsonl`` in a terminal: rich rerouted stdout to the bar's stderr."""
    screen = io.StringIO()
    err = Console(file=screen, force_terminal=True, width=80)
    scanner = FakeScanner(_records(), io.StringIO())
    run_and_report(scanner, [Path("/srv/reports")], as_json=True, console=err)  # type: ignore[arg-type]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["path"] for line in lines] == [r.location for r in _records()]
    assert '"path"' not in screen.getvalue()
