"""The chain-of-custody log: every capture, view, reveal, decision, export and notice.

Entries are appended in the same transaction as the action they record, so
an action and its log entry exist together or not at all. The database
refuses UPDATE and DELETE on the log (triggers from migration 0003), and
the hash chain (``evidence.chain``) makes any edit that gets around that
evident: ``idolguard audit verify`` names the first entry that no longer verifies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.evidence.chain import ChainVerification, content_hash, link_hash, verify_chain
from idolguard.evidence.timestamp import TimestampClient, verify_timestamp
from idolguard.storage.database import Database
from idolguard.storage.models import CustodyAnchor, CustodyEntry, CustodyHead

ACTIONS = frozenset(
    {
        "capture",  # evidence manifest written
        "timestamp",  # RFC 3161 token obtained for a manifest
        "open",  # item opened (scan, retro-match, manual, report)
        "seen",  # known item seen again
        "transition",  # item state changed
        "assign",  # item attached to / detached from a case
        "view",  # blurred preview shown
        "reveal",  # unblurred preview shown
        "bank",  # hashes added to a bank
        "case",  # case created / changed
        "export",  # evidence bundle written
        "notice",  # takedown notice drafted / sent
        "delete",  # retention deleted data
        "anchor",  # chain head timestamped
        "source",  # monitored source added / paused / resumed / removed
        "account",  # tenant, user, role, token or session change; sign-in failures
        "report",  # fan report submitted / withdrawn / captured
        "portal",  # an agency's own text on its public portal pages set / cleared
        "exchange",  # hashes published / withdrawn / fetched by a partner; tokens; pulls
    }
)


@dataclass(frozen=True)
class LoggedEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    content_hash: str
    prev_hash: str
    entry_hash: str

    def to_json(self) -> dict[str, Any]:
        from idolguard.clock import utc_iso

        return {
            "seq": self.seq,
            "at": utc_iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
            "content_hash": self.content_hash,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }

    def redacted(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "content_hash": self.content_hash,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


@dataclass(frozen=True)
class AuditReport:
    chain: ChainVerification
    head_row: tuple[int, str]  # what the custody_head row claims
    anchors_checked: int
    anchor_problems: list[str]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.anchor_problems and self._head_matches

    @property
    def _head_matches(self) -> bool:
        return self.head_row == (self.chain.entries, self.chain.head) or not self.chain.ok

    def problems(self) -> list[str]:
        """What was found, in words: each names what it saw (forged, removed, edited, moved)."""
        found = [self._chain_problem()] if self.chain.problem else []
        if self.chain.ok and not self._head_matches:
            found.append(self._head_problem())
        return found + self.anchor_problems

    def _chain_problem(self) -> str:
        problem = str(self.chain.problem)
        head_seq = self.head_row[0]
        broken = self.chain.first_broken
        if broken is not None and broken > head_seq:
            return (
                f"entry {broken} comes after the last entry IdolGuard wrote (entry {head_seq}): "
                f"a forged row was appended to the log ({problem})"
            )
        return problem

    def _head_problem(self) -> str:
        entries, head_seq = self.chain.entries, self.head_row[0]
        if entries > head_seq:
            added = (
                f"entry {entries}"
                if entries == head_seq + 1
                else f"entries {head_seq + 1} to {entries}"
            )
            return (
                f"the log ends at entry {entries} but IdolGuard's head record ends at entry "
                f"{head_seq}: {added} were appended outside IdolGuard (forged rows)"
            )
        if entries < head_seq:
            return (
                f"the log ends at entry {entries} but its head record names entry "
                f"{head_seq}: entries were removed from the end"
            )
        return (
            f"entry {entries} differs from the one IdolGuard wrote (its head record holds "
            "another hash): the last entry was replaced by a forged row"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.chain.entries,
            "head": self.chain.head,
            "first_broken": self.chain.first_broken,
            "anchors_checked": self.anchors_checked,
            "problems": self.problems(),
        }


def _entry(row: CustodyEntry) -> LoggedEntry:
    return LoggedEntry(
        row.seq,
        row.at,
        row.actor,
        row.action,
        row.subject,
        dict(row.details),
        row.content_hash,
        row.prev_hash,
        row.entry_hash,
    )


class CustodyLog:
    def __init__(self, database: Database) -> None:
        self.db = database

    def append(
        self,
        session: Session,
        *,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, Any] | None = None,
    ) -> LoggedEntry:
        """Add an entry inside the caller's transaction.

        Bumping the head row first takes the write lock (SQLite) or the row lock
        (PostgreSQL), so concurrent appenders queue up instead of forking the chain.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown custody action {action!r}")
        session.execute(
            update(CustodyHead).where(CustodyHead.id == 1).values(seq=CustodyHead.seq + 1)
        )
        head = session.execute(
            select(CustodyHead).where(CustodyHead.id == 1).execution_options(populate_existing=True)
        ).scalar_one()
        seq, prev = head.seq, head.entry_hash
        at = utcnow()
        body = dict(details or {})
        content = content_hash(seq, at, actor, action, subject, body)
        entry_hash = link_hash(seq, prev, content)
        session.add(
            CustodyEntry(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                details=body,
                content_hash=content,
                prev_hash=prev,
                entry_hash=entry_hash,
            )
        )
        head.entry_hash = entry_hash
        session.flush()
        return LoggedEntry(seq, at, actor, action, subject, body, content, prev, entry_hash)

    def record(
        self, *, actor: str, action: str, subject: str, details: Mapping[str, Any] | None = None
    ) -> LoggedEntry:
        """Append in a transaction of its own (for actions with nothing else to write)."""
        with self.db.session() as session:
            return self.append(
                session, actor=actor, action=action, subject=subject, details=details
            )

    def entries(
        self, *, subjects: set[str] | None = None, after: int = 0, limit: int | None = None
    ) -> Iterator[LoggedEntry]:
        with self.db.session() as session:
            query = select(CustodyEntry).where(CustodyEntry.seq > after).order_by(CustodyEntry.seq)
            if subjects is not None:
                query = query.where(CustodyEntry.subject.in_(subjects))
            if limit is not None:
                query = query.limit(limit)
            rows = list(session.scalars(query))
        yield from (_entry(row) for row in rows)

    def head(self, session: Session | None = None) -> tuple[int, str]:
        """``(seq, entry_hash)`` of the newest entry, read in ``session`` when given."""
        if session is None:
            with self.db.session() as own:
                return self.head(own)
        row = session.get(CustodyHead, 1)
        assert row is not None, "migration 0003 creates the custody head"
        return row.seq, row.entry_hash

    def _all_batched(self, batch: int = 5000) -> Iterator[LoggedEntry]:
        after = 0
        while True:
            chunk = list(self.entries(after=after, limit=batch))
            if not chunk:
                return
            yield from chunk
            after = chunk[-1].seq

    def verify(self, roots_pem: bytes | None = None) -> AuditReport:
        chain = verify_chain(entry.to_json() for entry in self._all_batched())
        anchor_problems: list[str] = []
        checked = 0
        if chain.ok:
            hashes: dict[int, str] = {}
            with self.db.session() as session:
                anchors = list(session.scalars(select(CustodyAnchor).order_by(CustodyAnchor.id)))
                for anchor in anchors:
                    entry = session.get(CustodyEntry, anchor.seq)
                    hashes[anchor.seq] = entry.entry_hash if entry is not None else ""
            for anchor in anchors:
                checked += 1
                if hashes[anchor.seq] != anchor.entry_hash:
                    anchor_problems.append(
                        f"entry {anchor.seq} differs from the hash timestamped at "
                        f"{anchor.gen_time:%Y-%m-%d %H:%M:%S} UTC"
                    )
                    continue
                result = verify_timestamp(
                    anchor.token, bytes.fromhex(anchor.entry_hash), roots_pem=roots_pem
                )
                if not result.valid:
                    anchor_problems.append(
                        f"timestamp of entry {anchor.seq} does not verify: "
                        + "; ".join(result.problems)
                    )
        return AuditReport(chain, self.head(), checked, anchor_problems)

    def anchor(self, client: TimestampClient, *, actor: str) -> CustodyAnchor:
        """Timestamp the current head, so the history up to it cannot be rewritten unnoticed."""
        seq, head = self.head()
        if seq == 0:
            raise ValueError("the custody log is empty: nothing to anchor yet")
        token = client.stamp(bytes.fromhex(head))
        with self.db.session() as session:
            anchor = CustodyAnchor(
                seq=seq,
                entry_hash=head,
                token=token.response_der,
                gen_time=token.gen_time,
                tsa_url=client.url,
            )
            session.add(anchor)
            self.append(
                session,
                actor=actor,
                action="anchor",
                subject="custody",
                details={"seq": seq, "entry_hash": head, "tsa": token.tsa_name},
            )
            return anchor
