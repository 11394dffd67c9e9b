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


def verify_chain(
    records: Iterable[Mapping[str, Any]], *, start_prev: str = GENESIS
) -> ChainVerification:
    """Check a sequence of entries as exported (full or redacted) or read from the database.

    A full record has the content fields; a redacted one only ``seq``,
    ``content_hash``, ``prev_hash`` and ``entry_hash``. Sequence numbers must
    run without gaps from 1 (or from the first record when ``start_prev`` is given).
    """
    prev = start_prev
    expected_seq: int | None = 1 if start_prev == GENESIS else None
    count = 0
    for record in records:
        try:
            seq = int(record["seq"])
        except (KeyError, TypeError, ValueError):
            return ChainVerification(
                False, count, prev, None, f"entry after {count} has no sequence number"
            )
        if expected_seq is not None and seq != expected_seq:
            return ChainVerification(
                False, count, prev, seq, f"entry {seq} follows {expected_seq - 1}: entries missing"
            )
        if record.get("prev_hash") != prev:
            return ChainVerification(
                False, count, prev, seq, f"entry {seq} does not link to the entry before it"
            )
        if set(record) - REDACTED_FIELDS:  # anything beyond the hashes must be checked
            try:
                recomputed = content_hash(*(record[name] for name in CONTENT_FIELDS))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                return ChainVerification(
                    False, count, prev, seq, f"entry {seq} is malformed: {exc}"
                )
            if recomputed != record.get("content_hash"):
                return ChainVerification(
                    False, count, prev, seq, f"entry {seq} was altered after it was written"
                )
        claimed = record.get("content_hash")
        if not isinstance(claimed, str):
            return ChainVerification(False, count, prev, seq, f"entry {seq} has no content hash")
        if link_hash(seq, prev, claimed) != record.get("entry_hash"):
            return ChainVerification(False, count, prev, seq, f"entry {seq} has a wrong entry hash")
        prev = str(record["entry_hash"])
        expected_seq = seq + 1
        count += 1
    return ChainVerification(True, count, prev, None, None)
