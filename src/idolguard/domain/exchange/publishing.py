"""Publishing a bank to the exchange feed, withdrawing it, and reading its changes.

Publishing is an explicit step: a bank's hashes reach partners only when a
person with ``exchange.publish`` (or a publish-scoped token) says so, and only
the hashes the bank holds at that moment (a snapshot; publish again to share
later additions). Every change to the feed gets the next ``seq``: fetchers ask
for "changes after seq N", so updates and withdrawals (tombstones) arrive in
order, which is what pytx's incremental checkpoint needs.

Partners see the signal type, the signal and the labels the agency chose
(e.g. ``deepfake``, ``ncii``, an artist's name only if the agency adds it):
never media, file names, sources or internal content ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.domain.custody.log import CustodyLog
from idolguard.storage.database import Database
from idolguard.storage.models import (
    Bank,
    BankContent,
    BankSignal,
    ExchangeEntry,
    ExchangePublication,
)

FEED_PAGE_LIMIT = 10_000  # changes per feed page at most
_TAG = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,39}")
_MAX_TAGS = 16


class ExchangeError(ValueError):
    """An exchange request was refused; the message says why."""


class ExchangeNotFound(ExchangeError):
    """No such bank, feed or token in this agency (the web answers 404)."""


@dataclass(frozen=True)
class PublishResult:
    bank: str
    added: int  # hashes newly shared (or shared again)
    updated: int  # hashes whose labels changed
    withdrawn: int  # hashes now deleted from the feed
    seq: int  # the feed's newest seq after this step


@dataclass(frozen=True)
class PublicationView:
    bank: str
    tags: list[str]
    published_by: str
    published_at: str
    withdrawn: bool
    shared: int  # hashes live in the feed
    withheld: list[str]  # content ids withdrawn one by one

    def to_json(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "tags": self.tags,
            "published_by": self.published_by,
            "published_at": self.published_at,
            "withdrawn": self.withdrawn,
            "shared": self.shared,
            "withheld": self.withheld,
        }


@dataclass(frozen=True)
class Change:
    seq: int
    signal_type: str
    signal: str
    tags: list[str]
    deleted: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "signal_type": self.signal_type,
            "signal": self.signal,
            "tags": self.tags,
            "deleted": self.deleted,
        }


@dataclass(frozen=True)
class ChangePage:
    bank: str
    after: int
    checkpoint: int  # pass as ``after`` next time
    more: bool  # another page is waiting now
    changes: list[Change]

    def to_json(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "after": self.after,
            "checkpoint": self.checkpoint,
            "more": self.more,
            "changes": [c.to_json() for c in self.changes],
        }


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Labels as partners see them: lower-case words (pytx splits tags on spaces)."""
    cleaned: list[str] = []
    for tag in tags:
        value = tag.strip().lower().replace(" ", "_")
        if not _TAG.fullmatch(value):
            raise ExchangeError(
                f"invalid label {tag!r}: use up to 40 letters, digits, '_', '-', '.' or ':'"
            )
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > _MAX_TAGS:
        raise ExchangeError(f"at most {_MAX_TAGS} labels per bank")
    return cleaned


def signal_key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class ExchangeService:
    """The agency's side of the exchange: its published feeds and their changes."""

    def __init__(self, database: Database, custody: CustodyLog) -> None:
        self.db = database
        self.custody = custody

    # ---------------------------------------------------------------- publish
    def publish(self, bank: str, tags: Sequence[str], *, actor: str) -> PublishResult:
        """Share the bank's current hashes with these labels (again: sync to its contents)."""
        labels = clean_tags(tags)
        with self.db.session() as session:
            row = session.scalar(select(Bank).where(Bank.name == bank))
            if row is None:
                raise ExchangeNotFound(f"no bank named {bank!r}")
            if row.kind != "block":
                raise ExchangeError(
                    f"bank {bank!r} is an allow-list: partners would block what it lists"
                )
            if row.origin is not None:
                raise ExchangeError(
                    f"bank {bank!r} holds another agency's hashes ({row.origin}): only they"
                    " publish them"
                )
            publication = session.scalar(
                select(ExchangePublication)
                .where(ExchangePublication.bank_name == bank)
                .with_for_update()  # one writer per feed at a time: seqs stay unique
            )
            withheld = set(_withheld(publication))
            if publication is None:
                publication = ExchangePublication(
                    bank_name=bank, tags={"tags": labels, "withheld": []}, published_by=actor
                )
                session.add(publication)
                session.flush()  # a concurrent first publish now waits on the unique name
            publication.tags = {"tags": labels, "withheld": sorted(withheld)}
            publication.published_by = actor
            publication.published_at = utcnow()
            publication.withdrawn_at = None
            by_content: dict[int, list[tuple[str, str]]] = {}
            for content_pk, signal_type, value, content_id in session.execute(
                select(
                    BankContent.id, BankSignal.signal_type, BankSignal.value, BankContent.content_id
                )
                .join(BankContent, BankSignal.content_pk == BankContent.id)
                .where(BankContent.bank_id == row.id, BankContent.enabled.is_(True))
            ):
                if content_id not in withheld:
                    by_content.setdefault(content_pk, []).append((signal_type, value))
            current: dict[tuple[str, str], str] = {}
            for signals in by_content.values():
                for signal_type, value in _feed_signals(signals):
                    current[(signal_type, signal_key(value))] = value
            result = self._sync(session, bank, current, labels)
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{bank}",
                details={
                    "event": "publish",
                    "tags": labels,
                    "added": result.added,
                    "updated": result.updated,
                    "withdrawn": result.withdrawn,
                    "seq": result.seq,
                },
            )
            return result

    def withdraw(self, bank: str, *, actor: str, content_id: str | None = None) -> PublishResult:
        """Stop sharing one content item (sticky across re-publishing) or the whole bank."""
        with self.db.session() as session:
            publication = session.scalar(
                select(ExchangePublication)
                .where(ExchangePublication.bank_name == bank)
                .with_for_update()
            )
            if publication is None:
                raise ExchangeNotFound(f"bank {bank!r} was never published")
            labels = list(publication.tags.get("tags", []))
            if content_id is None:
                publication.withdrawn_at = utcnow()
            else:
                row = session.scalar(select(Bank).where(Bank.name == bank))
                content_pk = (
                    None
                    if row is None
                    else session.scalar(
                        select(BankContent.id).where(
                            BankContent.bank_id == row.id, BankContent.content_id == content_id
                        )
                    )
                )
                if content_pk is None:
                    raise ExchangeError(f"bank {bank!r} has no content {content_id!r}")
                withheld = sorted(set(_withheld(publication)) | {content_id})
                publication.tags = {"tags": labels, "withheld": withheld}
                gone = {
                    (t, signal_key(v))
                    for t, v in session.execute(
                        select(BankSignal.signal_type, BankSignal.value).where(
                            BankSignal.content_pk == content_pk
                        )
                    )
                }
                result = self._delete_keys(session, bank, gone)
            if content_id is None:
                result = self._sync(session, bank, {}, labels)
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{bank}",
                details={
                    "event": "withdraw",
                    "content_id": content_id,
                    "withdrawn": result.withdrawn,
                },
            )
            return result

    def _delete_keys(
        self, session: Session, bank: str, gone: set[tuple[str, str]]
    ) -> PublishResult:
        """Tombstone just these live entries (one item's hashes): no scan of the whole feed."""
        seq = _last_seq(session, bank)
        changes: list[dict[str, Any]] = []
        keys = sorted({key for _type, key in gone})
        for start in range(0, len(keys), 500):
            for entry_id, signal_type, key in session.execute(
                select(ExchangeEntry.id, ExchangeEntry.signal_type, ExchangeEntry.signal_key).where(
                    ExchangeEntry.bank_name == bank,
                    ExchangeEntry.deleted.is_(False),
                    ExchangeEntry.signal_key.in_(keys[start : start + 500]),
                )
            ):
                if (_bank_name(signal_type), key) in gone:
                    seq += 1
                    changes.append({"id": entry_id, "seq": seq, "deleted": True, "tags": ""})
        if changes:
            now = utcnow()
            session.execute(update(ExchangeEntry), [{**c, "updated_at": now} for c in changes])
        return PublishResult(bank, 0, 0, len(changes), seq)

    def _sync(
        self,
        session: Session,
        bank: str,
        current: dict[tuple[str, str], str],
        labels: list[str],
    ) -> PublishResult:
        """Make the feed's live entries equal ``current``, giving each change a new seq."""
        seq = _last_seq(session, bank)
        existing = {
            (e.signal_type, e.signal_key): (e.id, e.deleted, _split(e.tags))
            for e in session.execute(
                select(
                    ExchangeEntry.signal_type,
                    ExchangeEntry.signal_key,
                    ExchangeEntry.id,
                    ExchangeEntry.deleted,
                    ExchangeEntry.tags,
                ).where(ExchangeEntry.bank_name == bank)
            )
        }
        now = utcnow()
        tags = ",".join(labels)
        inserts: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        added = updated = withdrawn = 0
        for key, value in current.items():
            found = existing.get(key)
            if found is None:
                seq += 1
                added += 1
                inserts.append(
                    {
                        "bank_name": bank,
                        "signal_type": key[0],
                        "signal_key": key[1],
                        "value": value,
                        "tags": tags,
                        "seq": seq,
                        "deleted": False,
                        "updated_at": now,
                    }
                )
            elif found[1] or found[2] != labels:
                seq += 1
                added += found[1]
                updated += not found[1]
                changes.append({"id": found[0], "seq": seq, "deleted": False, "tags": tags})
        for key, (entry_id, deleted, _tags) in existing.items():
            if not deleted and key not in current:
                seq += 1
                withdrawn += 1
                changes.append({"id": entry_id, "seq": seq, "deleted": True, "tags": ""})
        if changes:  # new seqs are all above the old maximum: no clash with unique seq
            session.execute(update(ExchangeEntry), [{**c, "updated_at": now} for c in changes])
        if inserts:
            session.execute(insert(ExchangeEntry), inserts)
        return PublishResult(bank, added, updated, withdrawn, seq)

    # ------------------------------------------------------------------- read
    def publications(self) -> list[PublicationView]:
        with self.db.session() as session:
            live = dict(
                session.execute(
                    select(ExchangeEntry.bank_name, func.count())
                    .where(ExchangeEntry.deleted.is_(False))
                    .group_by(ExchangeEntry.bank_name)
                ).all()
            )
            return [
                PublicationView(
                    bank=p.bank_name,
                    tags=list(p.tags.get("tags", [])),
                    published_by=p.published_by,
                    published_at=p.published_at.isoformat(),
                    withdrawn=p.withdrawn_at is not None,
                    shared=int(live.get(p.bank_name, 0)),
                    withheld=_withheld(p),
                )
                for p in session.scalars(
                    select(ExchangePublication).order_by(ExchangePublication.bank_name)
                )
            ]

    def changes(
        self, bank: str, *, after: int = 0, limit: int = FEED_PAGE_LIMIT, actor: str
    ) -> ChangePage:
        """The feed's changes after ``after``, oldest first; the fetch goes in the custody log."""
        if after < 0:
            raise ExchangeError("'after' must be 0 or a checkpoint this feed gave")
        limit = max(1, min(limit, FEED_PAGE_LIMIT))
        with self.db.session() as session:
            if (
                session.scalar(
                    select(ExchangePublication.id).where(ExchangePublication.bank_name == bank)
                )
                is None
            ):
                raise ExchangeNotFound(f"no published bank {bank!r}")
            table = ExchangeEntry.__table__  # Core rows: the ORM's per-row work doubles the time
            rows = (
                session.connection()
                .execute(
                    select(
                        table.c.seq,
                        table.c.signal_type,
                        table.c.value,
                        table.c.tags,
                        table.c.deleted,
                    )
                    .where(table.c.bank_name == bank, table.c.seq > after)
                    .order_by(table.c.seq)
                    .limit(limit + 1)
                )
                .all()
            )
            more = len(rows) > limit
            rows = rows[:limit]
            changes = [
                Change(seq, signal_type, value, _split(tags), bool(deleted))
                for seq, signal_type, value, tags, deleted in rows
            ]
            checkpoint = changes[-1].seq if changes else after
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{bank}",
                details={
                    "event": "fetch",
                    "after": after,
                    "count": len(changes),
                    "checkpoint": checkpoint,
                },
            )
            return ChangePage(bank, after, checkpoint, more, changes)


def _withheld(publication: ExchangePublication | None) -> list[str]:
    if publication is None:
        return []
    return [str(c) for c in publication.tags.get("withheld", [])]


def _feed_signals(signals: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One content's signals under pytx's type names.

    A video's file digests are pytx's ``video_md5`` / ``video_sha256``, so pytx and HMA
    match re-uploads by them; pytx has no photo digest type, so a photo's stay ``md5`` /
    ``sha256`` (pytx skips them, a subscribing IdolGuard uses them).
    """
    video = any(t == "vpdq" for t, _ in signals)
    names = {"md5": "video_md5", "sha256": "video_sha256"} if video else {}
    return [(names.get(t, t), v) for t, v in signals]


def _split(tags: str) -> list[str]:
    return tags.split(",") if tags else []


def _bank_name(signal_type: str) -> str:
    """The bank's name for a feed type (a video's ``video_md5`` is ``md5`` in the bank)."""
    return {"video_md5": "md5", "video_sha256": "sha256"}.get(signal_type, signal_type)


def _last_seq(session: Session, bank: str) -> int:
    query = select(func.coalesce(func.max(ExchangeEntry.seq), 0)).where(
        ExchangeEntry.bank_name == bank
    )
    return int(session.scalar(query) or 0)
