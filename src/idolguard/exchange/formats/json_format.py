"""The ``json`` and ``jsonl`` bank formats: one object per record, in an array or per line.

The array reader is incremental so that a huge export never sits in memory whole;
both refuse duplicate keys so a record cannot silently read as allow-listed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Final, TextIO, cast

from idolguard.exchange.formats.common import (
    _CHUNK_CHARS,
    _UNDECODABLE,
    MAX_RECORD_CHARS,
    BankFormatError,
    BankRecord,
    _decode_error,
    _json_type,
    _Lines,
    _record,
    _strip_bom,
    _undecodable,
)

JSON_KEYS: Final = ("content_id", "signal_type", "signal", "label", "source", "bank", "allow")


_JSON_REQUIRED: Final = ("signal_type", "signal")


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
