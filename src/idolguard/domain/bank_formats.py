"""Import and export of hash banks in formats python-threatexchange (pytx) can read and write.

Why these formats
=================
Banks have to move between IdolGuard and the tools the trust-and-safety world
already runs: Meta's python-threatexchange ("pytx", checked against 1.2.17, source
read and CLI run) and HMA 2.0, which is built on it. pytx has no bank file
format as such; what it reads and writes is:

* **The local-file exchange** (``LocalFileSignalExchangeAPI``, collaboration type
  ``local_file``). It reads a text file line by line, strips each line and splits it at
  the first space into ``<signal_type> <signal>``::

      pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
      video_md5 d41d8cd98f00b204e9800998ecf8427e
      vpdq ["f8f8...9b22,100,0.0", "f8f8...9b22,100,1.0"]

  When the collaboration sets ``signal_type``, each whole line is one bare signal instead.
  Blank lines are skipped. Everything else it can't use (an unknown type, a ``#``
  comment, a malformed hash) is dropped with no more than a logged warning. Every signal
  gets pytx's trivial opinion (``INVESTIGATION_SEED``, no tags): the format carries no
  metadata. ``report_opinion`` is meant to append lines in the same form (in 1.2.17 it
  crashes on its file mode ``"wta"``). ``threatexchange dataset -P -S`` and ``threatexchange
  hash`` print the same form; ``dataset`` leaves the type out when exactly one ``-s`` type
  is selected. This is our ``"pytx"`` format.
* **``threatexchange dataset -P --csv``**, which writes the header
  ``signal_type,signal_str,collab,category,tags`` with ``category`` one of ``NEGATIVE_CLASS``,
  ``INVESTIGATION_SEED`` and ``POSITIVE_CLASS``, and ``tags`` space-separated. pytx writes
  this file but never reads it. Our ``"csv"`` format keeps these five columns first and
  adds ``content_id,label,source`` after them (see ``CSV_COLUMNS``).
* **``StaticSampleSignalExchangeAPI``** (``sample``) reads no file. It yields each
  signal type's ``get_examples()``, and the fixtures under ``tests/domain/fixtures`` were
  made from it.
* pytx also has ``simple.<type>.te`` files. These are CSV state caches of the old
  ThreatExchange client, not an interchange format, so we don't support them.

Signal strings follow pytx's ``SignalType.validate_signal_str``:

* ``pdq``: exactly 64 lowercase hex digits (pytx rejects upper case, so we lower-case).
* ``video_md5`` and ``video_sha256``: 32 and 64 hex digits, lower-cased by pytx as well.
* ``vpdq``: one line of JSON. It is an array (``json.dumps`` with default ``", "``
  separators) of ``"<pdq hex>,<quality 0-100>,<timestamp seconds>"`` strings. pytx
  formats the timestamp with ``{:.3}``, which means three *significant digits*: second
  104 is written ``1.04e+02`` and 99.99 s becomes ``1e+02``. pytx ignores timestamps when
  matching. Older pytx wrote a JSON object keyed by frame number (``quality``, ``hash``,
  ``timestamp``). The current pytx can't read that form, and neither can we.

HMA 2.0 is not part of the pytx package. Its curation API adds one item's hashes as a JSON
object ``{signal_type: signal}`` (``POST /c/bank/<bank>/signal``). It uses the pytx type
names and validators above and has no bulk bank-export file. External lists come in
through pytx ``SignalExchangeAPI`` classes, and the ``local_file`` one reads the ``"pytx"``
line format. So the signal strings here are what HMA stores as well.

Our formats
===========
``pytx``
    ``<signal_type> <signal>`` per line, as above. It is lossy: only the type and the signal
    survive. On read, blank lines and ``#`` comments are skipped (pytx ignores them too),
    and ``content_id`` is derived from the signal (``derive_content_id``). On write we emit
    no BOM and no comments. pytx does not strip a BOM, so it would read ``\\ufeffpdq`` as an
    unknown type and silently drop the first hash. The writer refuses allow-list records,
    because pytx would count them as hits, and refuses types pytx lacks (``md5``,
    ``sha256``). Pass ``skip_unsupported=True`` to leave those records out instead.
``csv``
    RFC 4180, with a header row and ``\\r\\n`` line ends like pytx's own CSV. Columns are
    ``CSV_COLUMNS``; only ``signal_type`` and ``signal_str`` are required on read. ``collab``
    is the bank. ``category`` is ``NEGATIVE_CLASS`` for allow-list records and
    ``POSITIVE_CLASS`` otherwise, and ``INVESTIGATION_SEED`` reads as a block record.
    ``tags`` carries the label with whitespace turned into ``_`` (pytx splits tags on
    spaces), and ``label`` carries it exactly. Blank rows are skipped.
``json``
    One array of objects with the keys in ``JSON_KEYS``, read incrementally, so a huge
    array never sits in memory at once.
``jsonl``
    One such object per line; blank lines are skipped.

On read, records are validated and normalised (lower-case hex; a vPDQ array is re-emitted
compactly, with the timestamp text kept as written). Any error raises ``BankFormatError``
with the line number. Every reader streams, so one record is in memory at a time. Duplicate
records are passed through, and the caller dedupes them.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple, TextIO, cast, get_args

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "JSON_KEYS",
    "PYTX_SIGNAL_TYPES",
    "SIGNAL_TYPES",
    "BankFormatError",
    "BankRecord",
    "Format",
    "VpdqFrame",
    "derive_content_id",
    "detect_format",
    "format_vpdq_signal",
    "normalize_signal",
    "parse_vpdq_signal",
    "read_bank_file",
    "read_records",
    "write_bank_file",
    "write_records",
]

Format = Literal["csv", "json", "jsonl", "pytx"]
FORMATS: Final[tuple[Format, ...]] = cast("tuple[Format, ...]", get_args(Format))

# The pytx names of the media signal types IdolGuard banks hold (pytx also has text and
# URL types; those are no use against images and video, so they are "unknown" here).
PYTX_SIGNAL_TYPES: Final = frozenset({"pdq", "vpdq", "video_md5", "video_sha256"})
# IdolGuard's exact file hashes for any media type. pytx has no photo MD5/SHA-256 type.
SIGNAL_TYPES: Final = PYTX_SIGNAL_TYPES | {"md5", "sha256"}

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
JSON_KEYS: Final = ("content_id", "signal_type", "signal", "label", "source", "bank", "allow")
_JSON_REQUIRED: Final = ("signal_type", "signal")

# pytx's SignalOpinionCategory names -> our allow flag.
_CATEGORY_ALLOW: Final = {
    "POSITIVE_CLASS": False,
    "INVESTIGATION_SEED": False,
    "NEGATIVE_CLASS": True,
}

# The storage columns these values end up in (bank.name, bank_content.content_id).
MAX_CONTENT_ID_CHARS: Final = 128
MAX_BANK_CHARS: Final = 128
# One line (pytx, jsonl, csv) or one JSON record may not exceed this. It keeps a corrupt
# or hostile file from being pulled into memory whole. A vPDQ of a 3-hour video hashed
# every frame is about 20 MB.
MAX_RECORD_CHARS: Final = 64 * 1024 * 1024
_CHUNK_CHARS: Final = 64 * 1024

_HEX = {32: re.compile(r"[0-9a-fA-F]{32}"), 64: re.compile(r"[0-9a-fA-F]{64}")}
_QUALITY = re.compile(r"\+?[0-9]{1,4}")
# Decimal or exponent notation, no sign: what ``format(float, ".3")`` produces for t >= 0.
_TIMESTAMP = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# surrogateescape turns each undecodable byte into one of these code points.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BankFormatError(ValueError):
    """A bank file (or a record to write) is invalid; ``line`` says where when known.

    ``str()`` reads like a compiler message (``path:line: message``) so the CLI can print
    it as is.
    """

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        self.message = message
        self.line = line
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = [p for p in (self.path, None if self.line is None else f"line {self.line}") if p]
        return f"{': '.join(where)}: {self.message}" if where else self.message

    def with_path(self, path: str | os.PathLike[str]) -> BankFormatError:
        return BankFormatError(self.message, line=self.line, path=os.fspath(path))


@dataclass(frozen=True)
class BankRecord:
    """One banked signal. A content item with several hashes is several records."""

    content_id: str  # identifier of the banked content (unique within a bank)
    signal_type: str  # a name in SIGNAL_TYPES (pytx's names, plus md5 / sha256)
    signal: str  # the signal string exactly as pytx writes it
    label: str | None = None
    source: str | None = None
    bank: str | None = None
    allow: bool = False  # True for allow-list (known-benign) banks


class VpdqFrame(NamedTuple):
    """One vPDQ frame as pytx's compact feature keeps it (no frame number)."""

    pdq_hex: str
    quality: int
    timestamp: float


# ---------------------------------------------------------------------------- signals


def normalize_signal(signal_type: str, signal: str) -> str:
    """Validate ``signal`` and return it in the form pytx writes; ``ValueError`` if invalid.

    Hex digits are lower-cased because pytx's PDQ validator rejects upper case, and
    exact-hash lookups compare strings.
    """
    if signal_type not in SIGNAL_TYPES:
        raise ValueError(_unknown_type_message(signal_type))
    value = signal.strip()
    if signal_type == "vpdq":
        return json.dumps([f"{h},{q},{t}" for h, q, t, _ in _vpdq_frames(value)])
    digits = 32 if signal_type in ("md5", "video_md5") else 64
    if not _HEX[digits].fullmatch(value):
        what = {"pdq": "PDQ hash", "md5": "MD5", "video_md5": "MD5"}.get(signal_type, "SHA-256")
        raise ValueError(
            f"malformed {what} {_preview(value)}: expected {digits} hex digits"
            f" (got {len(value)} characters)"
        )
    return value.lower()


def parse_vpdq_signal(signal: str) -> list[VpdqFrame]:
    """Frames of a pytx vPDQ signal string; ``ValueError`` if it is malformed or empty."""
    return [VpdqFrame(h, q, ts) for h, q, _, ts in _vpdq_frames(signal.strip())]


def format_vpdq_signal(frames: Iterable[tuple[str, int, float]]) -> str:
    """The pytx signal string for ``(pdq_hex, quality, timestamp)`` frames.

    This is byte for byte what pytx's ``vpdq_to_json`` writes, including its ``{:.3}``
    timestamps (three significant digits). Matching our output exactly means the same video
    always gives the same string, so exact-string dedup works across both tools.
    """
    items: list[str] = []
    for index, (pdq_hex, quality, timestamp) in enumerate(frames):
        if not _HEX[64].fullmatch(pdq_hex):
            raise ValueError(f"vPDQ frame {index}: malformed PDQ hash {_preview(pdq_hex)}")
        if isinstance(quality, bool) or not 0 <= quality <= 100:
            raise ValueError(f"vPDQ frame {index}: quality {quality!r} is not in 0-100")
        if not (math.isfinite(timestamp) and timestamp >= 0):
            raise ValueError(f"vPDQ frame {index}: invalid timestamp {timestamp!r}")
        items.append(f"{pdq_hex.lower()},{int(quality)},{float(timestamp):.3}")
    if not items:
        raise ValueError("vPDQ signal has no frames")
    return json.dumps(items)


def _vpdq_frames(signal: str) -> list[tuple[str, int, str, float]]:
    """``(hex, quality, timestamp text, timestamp)`` per frame.

    The timestamp text is kept because re-formatting would lose digits when the producer
    was not pytx.
    """
    try:
        data = json.loads(signal)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"malformed vPDQ signal {_preview(signal)}: not JSON ({exc.msg}); expected a JSON"
            ' array of "hash,quality,timestamp" strings'
        ) from None
    if isinstance(data, dict):
        raise ValueError(
            "malformed vPDQ signal: a JSON object keyed by frame number is the old pytx form;"
            ' expected a JSON array of "hash,quality,timestamp" strings'
        )
    if not isinstance(data, list):
        raise ValueError(
            f"malformed vPDQ signal {_preview(signal)}: expected a JSON array of"
            ' "hash,quality,timestamp" strings'
        )
    if not data:
        raise ValueError("vPDQ signal has no frames")
    frames: list[tuple[str, int, str, float]] = []
    for index, item in enumerate(data):
        if not isinstance(item, str):
            raise ValueError(
                f"malformed vPDQ frame {index}: expected a"
                f' "hash,quality,timestamp" string, got {_json_type(item)}'
            )
        parts = [p.strip() for p in item.split(",")]
        if len(parts) != 3:
            raise ValueError(
                f"malformed vPDQ frame {index} {_preview(item)}: expected"
                f" hash,quality,timestamp (3 fields, got {len(parts)})"
            )
        pdq_hex, quality_text, time_text = parts
        if not _HEX[64].fullmatch(pdq_hex):
            raise ValueError(
                f"malformed vPDQ frame {index}: PDQ hash {_preview(pdq_hex)} is not 64 hex digits"
            )
        quality = int(quality_text) if _QUALITY.fullmatch(quality_text) else -1
        if not 0 <= quality <= 100:
            raise ValueError(
                f"malformed vPDQ frame {index}: quality {quality_text!r} is not an integer 0-100"
            )
        timestamp = float(time_text) if _TIMESTAMP.fullmatch(time_text) else math.nan
        if not math.isfinite(timestamp):
            raise ValueError(
                f"malformed vPDQ frame {index}: timestamp {time_text!r} is not a number of"
                " seconds >= 0"
            )
        frames.append((pdq_hex.lower(), quality, time_text, timestamp))
    return frames


def derive_content_id(signal_type: str, signal: str) -> str:
    """A stable ``content_id`` for records whose format has none (pytx lines, pytx CSV).

    pytx keys a collaboration by ``(signal_type, signal)``, so one signal is one item. A
    digest keeps the ID short even for a vPDQ signal, and the same signal always gets the
    same ID, so re-importing the same list deduplicates.
    """
    digest = hashlib.sha256(f"{signal_type}\n{signal}".encode()).hexdigest()
    return f"{signal_type}:{digest[:24]}"


# ---------------------------------------------------------------------------- reading


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


def _read_pytx(fp: TextIO, signal_type: str | None, skip_unknown: bool) -> Iterator[BankRecord]:
    lines = _Lines(fp)
    for raw in lines:
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if signal_type is not None:
            record = _record(signal_type, text, line=lines.lineno, skip_unknown=False)
        else:
            # pytx splits at the first space; any whitespace is accepted here (a superset).
            parts = text.split(None, 1)
            if len(parts) == 1:
                if parts[0].lower() in SIGNAL_TYPES:
                    raise BankFormatError(
                        f"missing signal after signal type {parts[0]!r};"
                        " expected '<signal_type> <signal>'",
                        line=lines.lineno,
                    )
                if skip_unknown:
                    continue
                message = _unknown_type_message(parts[0])
                if re.fullmatch(r"[0-9a-fA-F]{32,}", parts[0]):
                    message += (
                        "; this looks like a bare hash: for one signal per line without a"
                        " type, pass signal_type (pytx's --signal-type)"
                    )
                raise BankFormatError(message, line=lines.lineno)
            record = _record(parts[0], parts[1], line=lines.lineno, skip_unknown=skip_unknown)
        if record is not None:
            yield record


def _read_jsonl(fp: TextIO, skip_unknown: bool) -> Iterator[BankRecord]:
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    lines = _Lines(fp)
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        try:
            obj = decoder.decode(text)
        except json.JSONDecodeError as exc:
            raise BankFormatError(
                f"invalid JSON at column {exc.colno}: {exc.msg}", line=lines.lineno
            ) from None
        except ValueError as exc:  # from _unique_keys
            raise BankFormatError(str(exc), line=lines.lineno) from None
        record = _record_from_json(obj, line=lines.lineno, skip_unknown=skip_unknown)
        if record is not None:
            yield record


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


class _Lines:
    """Numbered physical lines of a text stream, with the checks that every format shares.

    A UTF-8 BOM is dropped, because Windows tools add one. Undecodable bytes that
    surrogateescape has mapped to lone surrogates are reported on their exact line. A
    strict stream's ``UnicodeDecodeError`` gets the best line number available, since a
    text stream decodes ahead of the line being read.
    """

    def __init__(self, fp: TextIO) -> None:
        self._fp = fp
        self.lineno = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                line = self._fp.readline(MAX_RECORD_CHARS + 1)
            except UnicodeDecodeError as exc:
                raise _decode_error(exc, self.lineno + 1) from None
            if not line:
                return
            self.lineno += 1
            if len(line) > MAX_RECORD_CHARS:
                raise BankFormatError(
                    f"line longer than {MAX_RECORD_CHARS} characters", line=self.lineno
                )
            if self.lineno == 1:
                line = _strip_bom(line)
            bad = _UNDECODABLE.search(line)
            if bad:
                raise _undecodable(line, bad.start(), self.lineno)
            yield line


class _JsonArrayReader:
    """Incremental reader of a JSON array of objects.

    ``json.load`` would hold the whole file in memory. Here a buffer holds about one
    record: each object is decoded with ``raw_decode`` once its closing brace has arrived,
    and more text is read while the decoder is failing at the end of the buffer.
    """

    def __init__(self, fp: TextIO, skip_unknown: bool) -> None:
        self._fp = fp
        self._skip_unknown = skip_unknown
        self._decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
        self._buf = ""
        self._pos = 0
        self._line = 1  # line number of self._buf[0]
        self._column = 0  # 0-based column of self._buf[0] within that line
        self._cursor = 0  # newlines in self._buf[:self._cursor] are counted ...
        self._cursor_line = 1  # ... giving the line number at self._cursor
        self._eof = False
        self._started = False

    def records(self) -> Iterator[BankRecord]:
        char = self._peek()
        if char is None:
            raise BankFormatError("empty file: expected a JSON array of bank records", line=1)
        if char != "[":
            hint = " (one object per line is the jsonl format)" if char == "{" else ""
            raise BankFormatError(
                f"expected a JSON array of bank records, found {char!r}{hint}",
                line=self._line_at(self._pos),
            )
        self._pos += 1
        char = self._peek()
        if char == "]":
            self._pos += 1
            self._expect_end()
            return
        while True:
            if char is None:
                raise self._unclosed()
            line = self._line_at(self._pos)
            if char != "{":
                raise BankFormatError(
                    f"expected a JSON object (one bank record), found {char!r}", line=line
                )
            obj = self._decode_object(line)
            record = _record_from_json(obj, line=line, skip_unknown=self._skip_unknown)
            if record is not None:
                yield record
            char = self._peek()
            if char == ",":
                self._pos += 1
                char = self._peek()
                if char == "]":
                    raise BankFormatError(
                        "trailing comma before ']'", line=self._line_at(self._pos)
                    )
            elif char == "]":
                self._pos += 1
                self._expect_end()
                return
            elif char is None:
                raise self._unclosed()
            else:
                raise BankFormatError(
                    f"expected ',' or ']' after a record, found {char!r}",
                    line=self._line_at(self._pos),
                )

    def _decode_object(self, line: int) -> Any:
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Truncated input fails at (or close to) the end of the buffer, or inside a
                # string. Anything earlier is a real syntax error: no need to read on.
                incomplete = exc.pos >= len(self._buf) - 16 or exc.msg.startswith(
                    "Unterminated string"
                )
                if incomplete and not self._eof:
                    self._compact()  # keep only this record; exc positions are stale now
                    if len(self._buf) > MAX_RECORD_CHARS:
                        raise BankFormatError(
                            f"record longer than {MAX_RECORD_CHARS} characters", line=line
                        ) from None
                    self._fill(max(_CHUNK_CHARS, len(self._buf)))  # doubling: linear overall
                    continue
                column = exc.colno + (self._column if exc.lineno == 1 else 0)
                raise BankFormatError(
                    f"invalid JSON at column {column}: {exc.msg}",
                    line=self._line + exc.lineno - 1,
                ) from None
            except ValueError as exc:  # from _unique_keys
                raise BankFormatError(str(exc), line=line) from None
            self._pos = end
            return obj

    def _peek(self) -> str | None:
        """The next non-whitespace character (not consumed), or None at end of input."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            self._compact()  # everything is consumed: cheap
            if not self._fill(_CHUNK_CHARS):
                return None

    def _fill(self, size: int) -> bool:
        if self._eof:
            return False
        try:
            text = self._fp.read(size)
        except UnicodeDecodeError as exc:
            raise _decode_error(exc, self._line_at(len(self._buf))) from None
        if not text:
            self._eof = True
            return False
        if not self._started:
            self._started = True
            text = _strip_bom(text)
        bad = _UNDECODABLE.search(text)
        if bad:
            line = self._line_at(len(self._buf)) + text.count("\n", 0, bad.start())
            line_start = text.rfind("\n", 0, bad.start()) + 1
            # The column is only known when the line starts in this chunk.
            column = bad.start() - line_start if line_start or not self._buf else None
            raise _undecodable(text[line_start:], column, line)
        self._buf += text
        return True

    def _compact(self) -> None:
        """Drop the consumed text. Done only when more must be read: slicing is a copy."""
        if not self._pos:
            return
        line = self._line_at(self._pos)
        newline = self._buf.rfind("\n", 0, self._pos)
        self._column = self._pos - newline - 1 if newline >= 0 else self._column + self._pos
        self._buf = self._buf[self._pos :]
        self._line = self._cursor_line = line
        self._pos = self._cursor = 0

    def _line_at(self, pos: int) -> int:
        """Line number at ``pos``, counting incrementally (positions only move forward)."""
        if pos < self._cursor:
            return self._line + self._buf.count("\n", 0, pos)
        self._cursor_line += self._buf.count("\n", self._cursor, pos)
        self._cursor = pos
        return self._cursor_line

    def _expect_end(self) -> None:
        char = self._peek()
        if char is not None:
            raise BankFormatError(
                f"unexpected {char!r} after the end of the JSON array",
                line=self._line_at(self._pos),
            )

    def _unclosed(self) -> BankFormatError:
        return BankFormatError(
            "unexpected end of file: the JSON array is not closed with ']'",
            line=self._line_at(len(self._buf)),
        )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses duplicate keys.

    ``json`` would otherwise keep the last value, so a record with
    ``"allow": false, "allow": true`` would silently read as allow-listed.
    """
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r} in a JSON object")
        obj[key] = value
    return obj


def _record_from_json(obj: object, *, line: int, skip_unknown: bool) -> BankRecord | None:
    if not isinstance(obj, dict):
        raise BankFormatError(f"expected a JSON object, got {_json_type(obj)}", line=line)
    fields = cast("dict[str, object]", obj)
    unknown = [key for key in fields if key not in JSON_KEYS]
    if unknown:
        raise BankFormatError(
            f"unknown key(s) {', '.join(map(repr, unknown))}; known keys: {', '.join(JSON_KEYS)}",
            line=line,
        )
    missing = [key for key in _JSON_REQUIRED if key not in fields]
    if missing:
        raise BankFormatError(f"missing required key(s) {', '.join(missing)}", line=line)
    allow = fields.get("allow", False)
    if allow is None:
        allow = False
    if not isinstance(allow, bool):
        raise BankFormatError(f"'allow' must be true or false, got {_json_type(allow)}", line=line)
    text: dict[str, str | None] = {}
    for key in ("content_id", "signal_type", "signal", "label", "source", "bank"):
        value = fields.get(key)
        if value is not None and not isinstance(value, str):
            raise BankFormatError(
                f"{key!r} must be a string{'' if key in _JSON_REQUIRED else ' or null'},"
                f" got {_json_type(value)}",
                line=line,
            )
        text[key] = value
    signal_type, signal = text["signal_type"], text["signal"]
    if signal_type is None or signal is None:
        raise BankFormatError("'signal_type' and 'signal' must not be null", line=line)
    return _record(
        signal_type,
        signal,
        line=line,
        skip_unknown=skip_unknown,
        content_id=text["content_id"] or None,
        label=text["label"] or None,
        source=text["source"] or None,
        bank=text["bank"] or None,
        allow=allow,
    )


def _record(
    signal_type: str,
    signal: str,
    *,
    line: int,
    skip_unknown: bool,
    content_id: str | None = None,
    label: str | None = None,
    source: str | None = None,
    bank: str | None = None,
    allow: bool = False,
) -> BankRecord | None:
    """Build one validated record from read values; None to skip an unknown type."""
    name = signal_type.strip().lower()
    if not name:
        raise BankFormatError("empty signal type", line=line)
    if name not in SIGNAL_TYPES:
        if skip_unknown:
            return None
        raise BankFormatError(_unknown_type_message(signal_type), line=line)
    if not signal.strip():
        raise BankFormatError(f"empty {name} signal", line=line)
    try:
        value = normalize_signal(name, signal)
        record = BankRecord(
            content_id=content_id if content_id is not None else derive_content_id(name, value),
            signal_type=name,
            signal=value,
            label=label,
            source=source,
            bank=bank,
            allow=allow,
        )
        _check_metadata(record)
    except ValueError as exc:
        raise BankFormatError(str(exc), line=line) from None
    return record


def _check_metadata(record: BankRecord) -> None:
    """Checks on the non-signal fields, so bad values fail here with a line number.

    The alternative is a failure later, in the database or in a log line.
    """
    if not record.content_id.strip():
        raise ValueError("content_id is empty")
    for name, value, limit in (
        ("content_id", record.content_id, MAX_CONTENT_ID_CHARS),
        ("bank", record.bank, MAX_BANK_CHARS),
    ):
        if value is None:
            continue
        if len(value) > limit:
            raise ValueError(f"{name} {_preview(value)} is longer than {limit} characters")
        if _CONTROL.search(value):
            raise ValueError(f"{name} {_preview(value)} contains control characters")
    for name, value in (("label", record.label), ("source", record.source)):
        if value is not None and "\x00" in value:
            raise ValueError(f"{name} contains a NUL character")
    for name, value in (
        ("content_id", record.content_id),
        ("label", record.label),
        ("source", record.source),
        ("bank", record.bank),
    ):
        if value is not None and _SURROGATE.search(value):
            raise ValueError(f"{name} is not valid Unicode text (lone surrogate)")
    if not isinstance(record.allow, bool):
        raise ValueError(f"allow must be a bool, got {type(record.allow).__name__}")


# ---------------------------------------------------------------------------- writing


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


def _json_object(record: BankRecord) -> dict[str, object]:
    return {key: getattr(record, key) for key in JSON_KEYS}


def _write_json(records: Iterable[BankRecord], fp: TextIO) -> int:
    count = 0
    fp.write("[")
    for record in records:
        fp.write("\n  " if count == 0 else ",\n  ")
        fp.write(json.dumps(_json_object(record), ensure_ascii=False))
        count += 1
    fp.write("\n]\n" if count else "]\n")
    return count


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


# ---------------------------------------------------------------------------- detection

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


# ---------------------------------------------------------------------------- helpers


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _undecodable(line: str, column: int | None, lineno: int) -> BankFormatError:
    if lineno == 1 and line[:2] in ("\udcff\udcfe", "\udcfe\udcff"):
        return BankFormatError(
            "file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
            line=1,
        )
    where = "" if column is None else f" at column {column + 1}"
    return BankFormatError(
        f"not valid UTF-8 (undecodable byte{where}); save the file as UTF-8", line=lineno
    )


def _decode_error(exc: UnicodeDecodeError, lineno: int) -> BankFormatError:
    if exc.start == 0 and bytes(exc.object[:2]) in (b"\xff\xfe", b"\xfe\xff"):
        return BankFormatError(
            "file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
            line=1,
        )
    return BankFormatError(
        f"not valid UTF-8 ({exc.reason}) at or after this line; save the file as UTF-8",
        line=lineno,
    )


def _unknown_type_message(signal_type: str) -> str:
    return (
        f"unknown signal type {_preview(signal_type)};"
        f" expected one of {', '.join(sorted(SIGNAL_TYPES))}"
    )


def _preview(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
