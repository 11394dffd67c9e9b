"""Hostile names, unreadable files and decoder failures in a real scan (issue 22 items 1, 2, 4)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.interfaces.cli import main as cli_main
from idolguard.interfaces.cli.output import record_to_json
from idolguard.storage.models import Sighting
from tests.helpers import sample

NON_UTF8 = b"bad\xff\xfename.jpg"


def _folder_with_non_utf8_name(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    jpeg = sample("rocket.jpg").read_bytes()
    (folder / "ok.jpg").write_bytes(jpeg)
    with open(os.fsencode(folder) + b"/" + NON_UTF8, "wb") as fp:
        fp.write(jpeg[::-1] + jpeg)  # different bytes: its own media row, not the same as ok.jpg
    return folder


def test_a_name_that_is_not_utf8_is_scanned_stored_and_printed(
    app: IdolGuard, tmp_path: Path
) -> None:
    """Such a name killed the whole scan: the database and JSON refuse lone surrogates."""
    folder = _folder_with_non_utf8_name(tmp_path)
    summary = app.scanner().run([folder])
    by_name = {Path(r.location).name: r for r in summary.records}
    assert set(by_name) == {"ok.jpg", "bad\\xff\\xfename.jpg"}
    assert by_name["ok.jpg"].error is None
    assert by_name["bad\\xff\\xfename.jpg"].error_code in ("corrupt", "unsupported")
    with app.database.session() as session:
        stored = set(session.scalars(select(Sighting.location)))
    assert stored == {r.location for r in summary.records}
    for record in summary.records:
        json.dumps(record_to_json(record), ensure_ascii=False).encode("utf-8")


def test_cli_scan_of_a_non_utf8_name_exits_0(tmp_path: Path) -> None:
    folder = _folder_with_non_utf8_name(tmp_path)
    env = {**os.environ, "IDOLGUARD_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "idolguard", "scan", "--json", str(folder)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(Path(line["path"]).name for line in lines) == [
        "bad\\xff\\xfename.jpg",
        "ok.jpg",
    ]
    assert b"Traceback" not in result.stderr


def _deny(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``name`` unreadable as mode 000 does, even for root (tests may run as root).

    ``stat`` still works (it needs only the folder's permission); opening and
    ``access(R_OK)`` fail, as the operating system answers for such a file.
    """
    real_open, real_access = os.open, os.access

    def denied(path: Any) -> bool:
        return isinstance(path, str | bytes | os.PathLike) and Path(os.fsdecode(path)).name == name

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if denied(path):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        return False if denied(path) else real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "access", access)


def test_an_unreadable_file_gets_its_own_record_and_the_rest_are_scanned(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("locked.jpg", "ok.jpg"):
        (folder / name).write_bytes(sample("rocket.jpg").read_bytes())
    _deny(monkeypatch, "locked.jpg")
    with IdolGuard(replace(settings, workers=0)) as app:
        summary = app.scanner().run([folder])
    by_name = {Path(r.location).name: r for r in summary.records}
    assert by_name["ok.jpg"].error is None
    locked = by_name["locked.jpg"]
    assert locked.error_code == "unreadable"
    assert locked.error == "file cannot be read: permission denied"
    assert locked.error_detail == "PermissionError: [Errno 13] Permission denied"


def test_cli_does_not_refuse_the_scan_for_one_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to exit 2, "path ... is not readable", and scan nothing."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("locked.jpg", "ok.jpg"):
        (folder / name).write_bytes(sample("rocket.jpg").read_bytes())
    _deny(monkeypatch, "locked.jpg")
    monkeypatch.setenv("IDOLGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("IDOLGUARD_WORKERS", "1")
    monkeypatch.delenv("IDOLGUARD_DATABASE_URL", raising=False)
    result = CliRunner().invoke(
        cli_main.app, ["scan", "--json", str(folder / "locked.jpg"), str(folder / "ok.jpg")]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    by_name = {Path(line["path"]).name: line for line in lines}
    assert by_name["locked.jpg"]["error_code"] == "unreadable"
    assert by_name["ok.jpg"]["error"] is None


def test_decoder_text_goes_to_the_debug_field_not_the_message(
    app: IdolGuard, tmp_path: Path
) -> None:
    """Pillow's words ("SyntaxError: broken PNG file ...") reached the reviewer (item 4)."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    data[29] ^= 0xFF  # the IHDR chunk's CRC
    broken = tmp_path / "broken.png"
    broken.write_bytes(bytes(data))
    [record] = app.scanner().run([broken]).records
    assert record.error_code == "corrupt"
    assert record.error == "PNG file is damaged and could not be decoded"
    assert record.error_detail is not None and record.error_detail.startswith("SyntaxError: ")
    assert record_to_json(record)["error_detail"] == record.error_detail
    with app.database.session() as session:
        row = session.scalars(select(Sighting)).one()
    assert (row.error_message, row.error_detail) == (record.error, record.error_detail)


def test_a_folder_that_cannot_be_listed_gets_a_record(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.walk skipped it silently: its files vanished from the scan without a trace."""
    folder = tmp_path / "in"
    (folder / "private").mkdir(parents=True)
    (folder / "ok.jpg").write_bytes(sample("rocket.jpg").read_bytes())
    (folder / "private" / "hidden.jpg").write_bytes(sample("rocket.jpg").read_bytes())
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(os.fsdecode(path)).name == "private":
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _deny(monkeypatch, "private")
    with IdolGuard(replace(settings, workers=0)) as app:
        summary = app.scanner().run([folder])
    by_name = {Path(r.location).name: r for r in summary.records}
    assert set(by_name) == {"ok.jpg", "private"}
    assert by_name["private"].error_code == "unreadable"
    assert by_name["private"].error == (
        "folder cannot be read: permission denied, so its files were not scanned"
    )


def test_a_full_disk_while_storing_the_original_is_a_plain_warning(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """str(OSError) quoted the path (which may not be UTF-8) into the record's warnings."""
    from idolguard.storage.blobs import BlobStore

    def full(self: BlobStore, source: Path, expected_sha256: str | None = None) -> None:
        raise OSError(28, "No space left on device", os.fsdecode(b"/blobs/tmp-\xff"))

    monkeypatch.setattr(BlobStore, "put_file", full)
    with IdolGuard(replace(settings, workers=0)) as app:
        [record] = app.scanner().run([sample("rocket.jpg")]).records
    assert record.error is None and not record.original_stored
    assert record.warnings == ["original not stored: No space left on device"]
    json.dumps(record_to_json(record), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("count", [1, 2], ids=["one-file", "pool"])
def test_an_unexpected_worker_error_is_told_in_words_with_the_detail_apart(
    app: IdolGuard, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """``analysis failed: 'NoneType' object has no attribute 'width'`` reached reviewers."""
    from idolguard.pipeline import worker

    def broken(path: Path, state: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'width'")

    monkeypatch.setattr(worker, "analyse_file", broken)  # forked workers inherit it
    files = [samples_dir / "rocket.jpg", samples_dir / "coffee.jpg"][:count]
    records = app.scanner(["pdq"], workers=2).run(files).records
    assert len(records) == len(files)
    for record in records:
        assert record.error_code == "corrupt"
        assert record.error is not None and "NoneType" not in record.error
        assert "unexpected error" in record.error
        assert record.error_detail == "AttributeError: 'NoneType' object has no attribute 'width'"
    with app.database.session() as session:
        details = set(session.scalars(select(Sighting.error_detail)))
    assert details == {"AttributeError: 'NoneType' object has no attribute 'width'"}
