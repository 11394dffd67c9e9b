"""What every bank format shares: the record, its signal types and signal strings, and errors.

Signal validation and normalisation (pytx's ``validate_signal_str`` rules, vPDQ
strings), the per-record checks and the numbered-line reader are the same for
CSV, JSON and pytx lines, so each format module reads and writes its own syntax
and hands the values here. See the package docstring for the formats themselves.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, TextIO, cast, get_args

Format = Literal["csv", "json", "jsonl", "pytx"]


FORMATS: Final[tuple[Format, ...]] = cast("tuple[Format, ...]", get_args(Format))


# The pytx names of the media signal types IdolGuard banks hold (pytx also has text and
# URL types; those are no use against images and video, so they are "unknown" here).
PYTX_SIGNAL_TYPES: Final = frozenset({"pdq", "vpdq", "video_md5", "video_sha256"})


# IdolGuard's exact file hashes for any media type. pytx has no photo MD5/SHA-256 type.
SIGNAL_TYPES: Final = PYTX_SIGNAL_TYPES | {"md5", "sha256"}


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
