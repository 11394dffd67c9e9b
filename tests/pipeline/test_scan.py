from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.signals.pdq import PDQSignal
from idolguard.storage.models import AnalysisResult, Media, ScanRun, Sighting


def _add_broken_files(folder: Path) -> None:
    jpeg = next(folder.glob("*.jpg")).read_bytes()
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 4])
    (folder / "text.jpg").write_text("not an image")
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("ignored: not a media extension inside a folder")


def _count(app: IdolGuard, model: type) -> int:
    with app.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_scan_records_every_file_and_errors_do_not_stop_it(
    app: IdolGuard, samples_dir: Path
) -> None:
    _add_broken_files(samples_dir)
    summary = app.scanner().run([samples_dir])
    by_name = {Path(r.location).name: r for r in summary.records}
    assert set(by_name) == {
        "astronaut.jpg",
        "chelsea.jpg",
        "coffee.jpg",
        "rocket.jpg",
        "truncated.jpg",
        "text.jpg",
        "empty.png",
    }
    for name in ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        record = by_name[name]
        assert record.error is None and record.media_type == "image"
        assert len(record.results["pdq"]["hash"]) == 64
        assert record.results["bank_match"] == {"matches": [], "verdict": "none"}
        assert record.original_stored and app.blobs.contains(record.sha256 or "")
    assert by_name["empty.png"].error_code == "empty"
    assert by_name["text.jpg"].error_code == "unsupported"
    assert by_name["truncated.jpg"].error_code in ("truncated", "corrupt")
    assert (summary.total, summary.analysed, summary.failed) == (7, 4, 3)
    assert _count(app, Sighting) == 7 and _count(app, Media) == 5


def test_rescan_reuses_results_by_sha256(app: IdolGuard, samples_dir: Path) -> None:
    app.scanner().run([samples_dir])
    results_before = _count(app, AnalysisResult)
    (samples_dir / "copy-of-rocket.jpg").write_bytes((samples_dir / "rocket.jpg").read_bytes())
    summary = app.scanner().run([samples_dir])
    assert summary.cached == 5 and summary.analysed == 0
    assert _count(app, AnalysisResult) == results_before
    assert _count(app, Sighting) == 4 + 5  # every sighting is kept


def test_bank_matches_are_recomputed_when_banks_change(app: IdolGuard, samples_dir: Path) -> None:
    first = {Path(r.location).name: r for r in app.scanner().run([samples_dir]).records}
    assert first["rocket.jpg"].results["bank_match"]["verdict"] == "none"
    app.banks.add_file(samples_dir / "rocket.jpg", "confirmed")
    second = {Path(r.location).name: r for r in app.scanner().run([samples_dir]).records}
    assert second["rocket.jpg"].results["bank_match"]["verdict"] == "match"
    assert "pdq" in second["rocket.jpg"].cached


def _crash_on_marked_files(self: PDQSignal, item: object) -> dict[str, object]:
    path = getattr(item, "path", Path()).name
    if "crash" in path:
        os._exit(17)  # what a segfaulting native decoder looks like to the pool
    if "hang" in path:
        time.sleep(60)
    return ORIGINAL_ANALYSE(self, item)  # type: ignore[arg-type]


ORIGINAL_ANALYSE = PDQSignal.analyse


def test_a_worker_crash_or_hang_fails_only_that_file(
    sqlite_settings: Settings, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Worker processes are forked, so they inherit the patched signal.
    monkeypatch.setattr(PDQSignal, "analyse", _crash_on_marked_files)
    (samples_dir / "crash-me.jpg").write_bytes((samples_dir / "coffee.jpg").read_bytes() + b"1")
    (samples_dir / "hang-me.jpg").write_bytes((samples_dir / "coffee.jpg").read_bytes() + b"2")
    with IdolGuard(sqlite_settings) as app:
        scanner = app.scanner(workers=2)
        scanner.file_timeout = 3.0
        records = {Path(r.location).name: r for r in scanner.run([samples_dir]).records}
    assert "crashed" in (records["crash-me.jpg"].error or "")
    assert "longer than" in (records["hang-me.jpg"].error or "")
    assert records["hang-me.jpg"].error_code == "too_slow"
    for name in ("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"):
        assert records[name].error is None, records[name].error


def test_scan_run_is_recorded(app: IdolGuard, samples_dir: Path) -> None:
    summary = app.scanner(workers=0).run([samples_dir])
    with app.database.session() as session:
        run = session.get(ScanRun, summary.scan_id)
        assert run is not None
        assert (run.status, run.files_total, run.files_analysed) == ("finished", 4, 4)
        assert run.finished_at is not None and run.finished_at >= run.started_at
