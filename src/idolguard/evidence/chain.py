"""The chain-of-custody hash chain, independent of where the entries are stored.

Each entry commits to its content and to the previous entry:

    content_hash = SHA-256(canonical JSON of {seq, at, actor, action, subject, details})
    entry_hash   = SHA-256("idolguard-custody-v1\\n{seq}\\n{prev_hash}\\n{content_hash}")

Hashing the content separately lets a bundle carry *redacted* entries (seq and
content hash only) for other cases: the chain still verifies end to end, so
nothing can be dropped or reordered unnoticed, yet nothing about other cases leaks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from idolguard.clock import utc_iso
from idolguard.evidence.canonical import canonical_json, sha256_hex

GENESIS = "0" * 64
CHAIN_VERSION = "idolguard-custody-v1"
CONTENT_FIELDS = ("seq", "at", "actor", "action", "subject", "details")
REDACTED_FIELDS = frozenset({"seq", "content_hash", "prev_hash", "entry_hash"})


def content_hash(
    seq: int, at: datetime | str, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> str:
    content = {
        "seq": seq,
        "at": at if isinstance(at, str) else utc_iso(at),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": dict(details),
    }
    return sha256_hex(canonical_json(content))


def link_hash(seq: int, prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{CHAIN_VERSION}\n{seq}\n{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    entries: int
    head: str  # entry hash of the last entry checked
    first_broken: int | None  # seq of the first entry that does not verify
    problem: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "first_broken": self.first_broken,
            "problem": self.problem,
        }


def _written_as(record: Mapping[str, Any], seq: int, window: int = 64) -> int | None:
    """The sequence number a moved or renumbered record was written with, if one nearby fits.

    A row keeps the hashes it was written with; if they verify under another
    sequence number, the row was moved (rows reordered, or renumbered after an
    insertion or deletion) rather than edited.
    """
    claimed, prev, entry = (record.get(k) for k in ("content_hash", "prev_hash", "entry_hash"))
    if not (isinstance(claimed, str) and isinstance(prev, str) and isinstance(entry, str)):
        return None
    for other in range(max(1, seq - window), seq + window + 1):
        if other != seq and link_hash(other, prev, claimed) == entry:
            return other
    return None


def _self_consistent(record: Mapping[str, Any], seq: int) -> bool:
    """The record's own content and hashes agree (whatever it links to)."""
    claimed, prev = record.get("content_hash"), record.get("prev_hash")
    if not isinstance(claimed, str) or not isinstance(prev, str):
        return False
    if set(record) - REDACTED_FIELDS:
        try:
            if content_hash(*(record[name] for name in CONTENT_FIELDS)) != claimed:
                return False
        except (KeyError, TypeError, ValueError, AttributeError):
            return False
    return link_hash(seq, prev, claimed) == record.get("entry_hash")


def _unlinked(record: Mapping[str, Any], seq: int, seen: Mapping[str, int]) -> str:
    """Say what a record that does not link to its predecessor looks like."""
    before = f"entry {seq} does not link to the entry before it"
    written = _written_as(record, seq)
    if written is not None:
        return f"{before}: it was written as entry {written}, so rows were reordered or renumbered"
    linked = seen.get(str(record.get("prev_hash")))
    if linked is not None:
        return (
            f"{before}: it links to entry {linked}, so rows after entry {linked} were "
            "removed, inserted or reordered"
        )
    if _self_consistent(record, seq):
        return (
            f"{before}: entry {seq} itself is intact, so the row before it was replaced by "
            "a forged row or a row was inserted before it"
        )
    return f"{before} and does not match its own hashes: a forged or rewritten row"


_SEEN_LIMIT = 100_000  # entry hashes remembered to say where a misplaced row links to


def verify_chain(
    records: Iterable[Mapping[str, Any]], *, start_prev: str = GENESIS
) -> ChainVerification:
    """Check a sequence of entries as exported (full or redacted) or read from the database.

    A full record has the content fields; a redacted one only ``seq``,
    ``content_hash``, ``prev_hash`` and ``entry_hash``. Sequence numbers must
    run without gaps from 1 (or from the first record when ``start_prev`` is given).
    The problem names what was seen at the first entry that does not verify:
    an edited row, removed rows, reordered or renumbered rows, a forged row.
    """
    prev = start_prev
    expected_seq: int | None = 1 if start_prev == GENESIS else None
    count = 0
    seen: dict[str, int] = {}
    for record in records:
        try:
            seq = int(record["seq"])
        except (KeyError, TypeError, ValueError):
            return ChainVerification(
                False, count, prev, None, f"entry after {count} has no sequence number"
            )
        if expected_seq is not None and seq != expected_seq:
            last = expected_seq - 1
            if seq > expected_seq:
                missing = (
                    f"entry {expected_seq}"
                    if seq == expected_seq + 1
                    else f"entries {expected_seq} to {seq - 1}"
                )
                problem = (
                    f"entry {seq} follows {last}: entries missing "
                    f"({missing} removed, or rows reordered)"
                )
            else:
                problem = (
                    f"entry {seq} follows {last}: entries out of order "
                    "(rows reordered or duplicated)"
                )
            return ChainVerification(False, count, prev, seq, problem)
        if record.get("prev_hash") != prev:
            return ChainVerification(False, count, prev, seq, _unlinked(record, seq, seen))
        if set(record) - REDACTED_FIELDS:  # anything beyond the hashes must be checked
            try:
                recomputed = content_hash(*(record[name] for name in CONTENT_FIELDS))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                return ChainVerification(
                    False, count, prev, seq, f"entry {seq} is malformed: {exc}"
                )
            if recomputed != record.get("content_hash"):
                return ChainVerification(
                    False,
                    count,
                    prev,
                    seq,
                    f"entry {seq} was altered after it was written: "
                    "the row was edited and no longer matches its content hash",
                )
        claimed = record.get("content_hash")
        if not isinstance(claimed, str):
            return ChainVerification(False, count, prev, seq, f"entry {seq} has no content hash")
        if link_hash(seq, prev, claimed) != record.get("entry_hash"):
            return ChainVerification(
                False,
                count,
                prev,
                seq,
                f"entry {seq} has a wrong entry hash: the row's hashes were edited",
            )
        prev = str(record["entry_hash"])
        if len(seen) < _SEEN_LIMIT:
            seen[prev] = seq
        expected_seq = seq + 1
        count += 1
    return ChainVerification(True, count, prev, None, None)
