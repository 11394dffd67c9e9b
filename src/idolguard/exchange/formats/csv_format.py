"""The ``csv`` bank format: pytx's ``dataset --csv`` columns, then IdolGuard's own.

One module per format family, so a change to CSV parsing touches only CSV; the
columns and categories are described in the package docstring.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, TextIO

from idolguard.exchange.formats.common import (
    MAX_RECORD_CHARS,
    BankFormatError,
    BankRecord,
    _Lines,
    _record,
)

# pytx ``dataset --csv`` columns first (same names, same order), then ours.
CSV_COLUMNS: Final = (
    "signal_type",
    "signal_str",
    "collab",
    "category",
    "tags",
    "content_id",
    "label",
    "source",
)


_CSV_REQUIRED: Final = ("signal_type", "signal_str")


# pytx's SignalOpinionCategory names -> our allow flag.
_CATEGORY_ALLOW: Final = {
    "POSITIVE_CLASS": False,
    "INVESTIGATION_SEED": False,
    "NEGATIVE_CLASS": True,
}


def _read_csv(fp: TextIO, skip_unknown: bool) -> Iterator[BankRecord]:
    _raise_csv_field_limit()
    lines = _Lines(fp)
    reader = csv.reader(lines, strict=True)
    columns: dict[str, int] | None = None
    row_end = 0
    while True:
        row_start = row_end + 1  # a quoted field may span lines; report where the row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BankFormatError(f"malformed CSV: {exc}", line=lines.lineno) from None
        row_end = lines.lineno
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = _csv_header(row, row_start)
            continue
        if len(row) != len(columns):
            raise BankFormatError(
                f"expected {len(columns)} fields as in the header, got {len(row)}",
                line=row_start,
            )

        category = _cell(row, columns, "category").upper()
        if category and category not in _CATEGORY_ALLOW:
            raise BankFormatError(
                f"unknown category {_cell(row, columns, 'category')!r}; expected one of"
                f" {', '.join(_CATEGORY_ALLOW)}",
                line=row_start,
            )
        record = _record(
            _cell(row, columns, "signal_type"),
            _cell(row, columns, "signal_str"),
            line=row_start,
            skip_unknown=skip_unknown,
            content_id=_cell(row, columns, "content_id") or None,
            # the exact label, else pytx's space-separated tags
            label=_cell(row, columns, "label", strip=False) or _cell(row, columns, "tags") or None,
            source=_cell(row, columns, "source") or None,
            bank=_cell(row, columns, "collab") or None,
            allow=_CATEGORY_ALLOW.get(category, False),
        )
        if record is not None:
            yield record
    if columns is None:
        raise BankFormatError(
            f"empty CSV: expected a header row with at least {', '.join(_CSV_REQUIRED)}",
            line=max(lines.lineno, 1),
        )


def _cell(row: list[str], columns: Mapping[str, int], name: str, *, strip: bool = True) -> str:
    index = columns.get(name)
    if index is None:
        return ""
    return row[index].strip() if strip else row[index]


def _csv_header(row: list[str], line: int) -> dict[str, int]:
    names = [name.strip().lower() for name in row]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise BankFormatError(f"duplicate CSV column {name!r}", line=line)
        seen.add(name)
    unknown = [name for name in names if name not in CSV_COLUMNS]
    if unknown:
        raise BankFormatError(
            f"unknown CSV column(s) {', '.join(map(repr, unknown))};"
            f" known columns: {', '.join(CSV_COLUMNS)}",
            line=line,
        )
    missing = [name for name in _CSV_REQUIRED if name not in seen]
    if missing:
        raise BankFormatError(
            f"missing required CSV column(s) {', '.join(missing)} (is the header row missing?)",
            line=line,
        )
    return {name: index for index, name in enumerate(names)}


def _raise_csv_field_limit() -> None:
    """Let fields be as long as a record may be.

    The csv module defaults to 131,072 characters, which is less than a one-hour
    vPDQ signal. The limit is process-wide, so it is only ever raised.
    """
    if csv.field_size_limit() < MAX_RECORD_CHARS:
        csv.field_size_limit(MAX_RECORD_CHARS)


def _write_csv(records: Iterable[BankRecord], fp: TextIO) -> int:
    writer = csv.writer(fp)  # excel dialect: minimal quoting, \r\n, as pytx's DictWriter
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        label = record.label or ""
        writer.writerow(
            (
                record.signal_type,
                record.signal,
                record.bank or "",
                "NEGATIVE_CLASS" if record.allow else "POSITIVE_CLASS",
                "_".join(label.split()),
                record.content_id,
                label,
                record.source or "",
            )
        )
        count += 1
    return count
