"""StopNCII hash lists: the JSON that StopNCII's FetchHashes API answers, as pytx reads it.

pytx 1.2.17 defines the record in ``threatexchange.exchanges.clients.stopncii.api``
(``FetchHashesResponse`` / ``StopNCIIHashRecord``)::

    {"count": 1, "nextSetTimestamp": 1733600000, "hasMoreRecords": false,
     "hashRecords": [{"lastModtimestamp": 1733600000, "signalType": "ImagePDQ",
                      "hashValue": "f8f8...9b22", "hashStatus": "Active",
                      "caseNumbers": {}, "CSPFeedbacks": []}]}

Fields kept on import: ``signalType`` (``ImagePDQ`` -> ``pdq``, ``VideoMD5`` ->
``video_md5``) and ``hashValue``. ``hashStatus`` decides whether the record is banked at
all: ``Withdrawn`` and ``Deleted`` records are skipped, as pytx's StopNCII exchange deletes
them. Dropped: ``caseNumbers`` (StopNCII's cases of the people who submitted the hash, not
ours to keep), ``CSPFeedbacks`` and ``lastModtimestamp``. Types IdolGuard cannot match
(``VideoTMK``, ``Text``, ``URL``, ``Unknown``) are errors, or skipped with ``skip_unknown``.

On export, ``pdq`` and ``video_md5`` records become ``Active`` records with no case
numbers and no feedback; nothing else about the content leaves (no label, source or
bank). Other types (IdolGuard's ``md5`` of photos, ``vpdq``, ``sha256``) have no
StopNCII type: an error, or left out with ``skip_unsupported``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any, Final, TextIO

from idolguard.exchange.formats.common import (
    MAX_RECORD_CHARS,
    BankFormatError,
    BankRecord,
    derive_content_id,
    normalize_signal,
)

TO_STOPNCII: Final = {"pdq": "ImagePDQ", "video_md5": "VideoMD5"}
FROM_STOPNCII: Final = {v: k for k, v in TO_STOPNCII.items()}
_UNMATCHABLE: Final = frozenset({"VideoTMK", "Text", "URL", "Unknown"})
_GONE: Final = frozenset({"Withdrawn", "Deleted"})
MAX_FILE_CHARS: Final = 4 * MAX_RECORD_CHARS


def read_stopncii(fp: TextIO, *, skip_unknown: bool = False) -> Iterator[BankRecord]:
    """Active, matchable records of a StopNCII hash list (a response, or its record array)."""
    text = fp.read(MAX_FILE_CHARS + 1)
    if len(text) > MAX_FILE_CHARS:
        raise BankFormatError(f"StopNCII list longer than {MAX_FILE_CHARS} characters")
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise BankFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    records = data.get("hashRecords") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise BankFormatError(
            'expected a StopNCII FetchHashes answer ({"hashRecords": [...]}) or its array'
        )
    for index, item in enumerate(records):
        record = _record(item, index, skip_unknown)
        if record is not None:
            yield record


def _record(item: Any, index: int, skip_unknown: bool) -> BankRecord | None:
    where = f"hashRecords[{index}]"
    if not isinstance(item, dict):
        raise BankFormatError(f"{where}: expected an object")
    kind, value, status = item.get("signalType"), item.get("hashValue"), item.get("hashStatus")
    if not isinstance(kind, str) or not isinstance(value, str):
        raise BankFormatError(f"{where}: 'signalType' and 'hashValue' must be strings")
    if status in _GONE:
        return None  # withdrawn by the person who submitted it: never banked
    signal_type = FROM_STOPNCII.get(kind)
    if signal_type is None:
        if skip_unknown and kind in _UNMATCHABLE:
            return None
        raise BankFormatError(
            f"{where}: signalType {kind!r} cannot be matched here (ImagePDQ and VideoMD5 can)"
        )
    try:
        signal = normalize_signal(signal_type, value)
    except ValueError as exc:
        raise BankFormatError(f"{where}: {exc}") from None
    return BankRecord(derive_content_id(signal_type, signal), signal_type, signal)


def write_stopncii(
    records: Iterable[BankRecord], fp: TextIO, *, skip_unsupported: bool = False
) -> int:
    """A FetchHashes-shaped answer holding every record as an ``Active`` hash."""
    now = int(time.time())
    out: list[dict[str, Any]] = []
    for number, record in enumerate(records, 1):
        kind = TO_STOPNCII.get(record.signal_type)
        if kind is None or record.allow:
            if skip_unsupported:
                continue
            reason = (
                "is an allow-list record"
                if record.allow
                else f"has signal type {record.signal_type!r}, which StopNCII does not have"
            )
            raise BankFormatError(
                f"record {number} {reason}; pass skip_unsupported=True to leave it out"
            )
        try:
            value = normalize_signal(record.signal_type, record.signal)
        except ValueError as exc:
            raise BankFormatError(f"record {number}: {exc}") from None
        out.append(
            {
                "lastModtimestamp": now,
                "signalType": kind,
                "hashValue": value,
                "hashStatus": "Active",
                "caseNumbers": {},
                "CSPFeedbacks": [],
            }
        )
    json.dump(
        {"count": len(out), "nextSetTimestamp": now, "hasMoreRecords": False, "hashRecords": out},
        fp,
        indent=1,
    )
    fp.write("\n")
    return len(out)
