"""Reading and writing bank files: picking the format, streaming records, atomic export.

The entry points the domain and the CLI call; each format's syntax lives in its
own module, the shared record checks in ``common``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Final, TextIO

from idolguard.exchange.formats.common import (
    _CHUNK_CHARS,
    FORMATS,
    PYTX_SIGNAL_TYPES,
    SIGNAL_TYPES,
    BankFormatError,
    BankRecord,
    Format,
    _check_metadata,
    _preview,
    _strip_bom,
    _unknown_type_message,
    normalize_signal,
)
from idolguard.exchange.formats.csv_format import (
    _read_csv,
    _write_csv,
)
from idolguard.exchange.formats.json_format import (
    _json_object,
    _JsonArrayReader,
    _read_jsonl,
    _write_json,
)
from idolguard.exchange.formats.pytx_format import _read_pytx


def read_records(
    fp: TextIO,
    fmt: Format,
    *,
    signal_type: str | None = None,
    skip_unknown: bool = False,
) -> Iterator[BankRecord]:
    """Stream validated records from ``fp``, one at a time.

    ``signal_type`` applies to ``"pytx"`` only: each line is then one bare signal of that
    type, as with pytx's ``--signal-type`` collab option or ``dataset -s TYPE -P -S``.
    ``skip_unknown`` drops records whose signal type IdolGuard doesn't bank (such as pytx's
    ``raw_text`` or ``url_md5``) instead of raising, which is what pytx itself does.
    Malformed signals are always errors. Open CSV streams with ``newline=""``.
    ``read_bank_file`` opens files so that a non-UTF-8 byte is reported on its exact line.
    """
    _check_read_args(fmt, signal_type)
    if fmt == "pytx":
        return _read_pytx(fp, signal_type, skip_unknown)
    if fmt == "csv":
        return _read_csv(fp, skip_unknown)
    if fmt == "jsonl":
        return _read_jsonl(fp, skip_unknown)
    return _JsonArrayReader(fp, skip_unknown).records()


def read_bank_file(
    path: Path,
    fmt: Format | None = None,
    *,
    signal_type: str | None = None,
    skip_unknown: bool = False,
) -> Iterator[BankRecord]:
    """``read_records`` over a file, detecting the format when ``fmt`` is None.

    The arguments, the path and the format are checked now, so mistakes fail before
    iteration. Records stream lazily, and the file closes when the iterator is exhausted or
    closed. Errors carry ``path``.
    """
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such bank file", str(path))
    resolved = fmt or detect_format(path)
    _check_read_args(resolved, signal_type)
    return _iter_file(path, resolved, signal_type, skip_unknown)


def _check_read_args(fmt: str, signal_type: str | None) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown bank format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if signal_type is not None:
        if fmt != "pytx":
            raise ValueError("signal_type only applies to the pytx line format")
        if signal_type not in SIGNAL_TYPES:
            raise ValueError(_unknown_type_message(signal_type))


def _iter_file(
    path: Path, fmt: Format, signal_type: str | None, skip_unknown: bool
) -> Iterator[BankRecord]:
    # surrogateescape keeps decoding going past a bad byte, so _Lines can name its line.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fp:
        try:
            yield from read_records(fp, fmt, signal_type=signal_type, skip_unknown=skip_unknown)
        except BankFormatError as exc:
            raise exc.with_path(path) from None


def write_records(
    records: Iterable[BankRecord],
    fp: TextIO,
    fmt: Format,
    *,
    skip_unsupported: bool = False,
) -> int:
    """Write ``records`` to ``fp`` in ``fmt`` and return how many were written.

    Each record is validated and normalised first, so we never write a file we would refuse
    to read. The ``"pytx"`` format can't express allow-list records or the ``md5`` and
    ``sha256`` types: those raise ``BankFormatError``, or are left out (and not counted)
    with ``skip_unsupported``. Records are written as they come, so an error part-way
    leaves a partial stream. ``write_bank_file`` avoids that for files. Open CSV streams
    with ``newline=""``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown bank format {fmt!r}; expected one of {', '.join(FORMATS)}")
    checked = _checked_records(records, pytx=fmt == "pytx", skip_unsupported=skip_unsupported)
    if fmt == "pytx":
        return _write_lines(checked, fp, lambda r: f"{r.signal_type} {r.signal}")
    if fmt == "jsonl":
        return _write_lines(checked, fp, lambda r: json.dumps(_json_object(r), ensure_ascii=False))
    if fmt == "json":
        return _write_json(checked, fp)
    return _write_csv(checked, fp)


def write_bank_file(
    records: Iterable[BankRecord],
    path: Path,
    fmt: Format | None = None,
    *,
    skip_unsupported: bool = False,
) -> int:
    """``write_records`` into ``path``, atomically.

    The file is written next to ``path`` and renamed into place, so an invalid record
    never leaves half an export behind. ``fmt`` defaults to the one the extension implies.
    """
    resolved = fmt or _format_from_suffix(path)
    if resolved is None:
        raise ValueError(
            f"cannot tell the export format from {path.name!r}; use a .csv, .json, .jsonl"
            " or .txt (pytx) name, or pass the format"
        )
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fp:
            count = write_records(records, fp, resolved, skip_unsupported=skip_unsupported)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return count


def _checked_records(
    records: Iterable[BankRecord], *, pytx: bool, skip_unsupported: bool
) -> Iterator[BankRecord]:
    for number, record in enumerate(records, 1):
        where = f"record {number} (content_id {_preview(str(record.content_id))})"
        if record.signal_type not in SIGNAL_TYPES:
            raise BankFormatError(f"{where}: {_unknown_type_message(record.signal_type)}")
        if pytx and (record.allow or record.signal_type not in PYTX_SIGNAL_TYPES):
            if skip_unsupported:
                continue
            reason = (
                "is an allow-list record; pytx has no allow lists and would treat it as a hit"
                if record.allow
                else f"has signal type {record.signal_type!r}, which pytx does not know"
                " (it has video_md5 and video_sha256 for videos only)"
            )
            raise BankFormatError(
                f"{where} {reason}; export as csv/json, or pass skip_unsupported=True"
            )
        try:
            normalized = normalize_signal(record.signal_type, record.signal)
            _check_metadata(record)
        except ValueError as exc:
            raise BankFormatError(f"{where}: {exc}") from None
        if normalized != record.signal:
            record = BankRecord(
                content_id=record.content_id,
                signal_type=record.signal_type,
                signal=normalized,
                label=record.label,
                source=record.source,
                bank=record.bank,
                allow=record.allow,
            )
        yield record


def _write_lines(
    records: Iterable[BankRecord], fp: TextIO, render: Callable[[BankRecord], str]
) -> int:
    count = 0
    for record in records:
        fp.write(render(record) + "\n")
        count += 1
    return count


_SUFFIXES: Final[Mapping[str, Format]] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "pytx",
}


def _format_from_suffix(path: Path) -> Format | None:
    return _SUFFIXES.get(path.suffix.lower())


def detect_format(path: Path) -> Format:
    """The format of ``path``.

    ``.csv``, ``.json``, ``.jsonl`` and ``.ndjson`` are trusted. Any other name is decided
    by content, because pytx files have no fixed extension: ``[`` means json, ``{`` means
    jsonl, a first word that is a signal type means pytx, and a header naming
    ``signal_type`` means csv. ``.txt`` falls back to pytx when the content is
    inconclusive.
    """
    suffix = _format_from_suffix(path)
    if suffix is not None and suffix != "pytx":
        return suffix
    try:
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as fp:
            head = fp.read(_CHUNK_CHARS)
    except OSError as exc:
        raise BankFormatError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    first = ""
    for line in _strip_bom(head).splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            first = stripped
            break
    first_word = first.split(None, 1)[0].lower() if first else ""
    sniffed: Format | None = None
    if first.startswith("["):
        sniffed = "json"
    elif first.startswith("{"):
        sniffed = "jsonl"
    elif first_word in SIGNAL_TYPES or re.fullmatch(r"[0-9a-fA-F]{32,}", first):
        sniffed = "pytx"  # bare hashes, one per line, need signal_type to be read
    elif "signal_type" in [column.strip().lower() for column in first.split(",")]:
        sniffed = "csv"
    if sniffed is not None:
        return sniffed
    if suffix is not None:
        return suffix
    raise BankFormatError(
        "cannot tell the bank file format; name it .csv, .json, .jsonl or .txt (pytx lines),"
        " or pass the format explicitly",
        path=str(path),
    )
