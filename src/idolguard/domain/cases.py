"""Cases and items: what was found, where, and where it stands.

An *item* is one piece of content (a SHA-256) seen at one location (a URL, or a
local path when nothing better is known). Items move through a fixed
lifecycle, and every move records who made it, when and why, both in the
item's history and in the chain-of-custody log. A *case* groups the items of
one incident concerning one artist; items join cases automatically (they
re-upload content already in a case, or show the same artist) or by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.domain.custody.log import CustodyLog
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, Case, Item, ItemEvent, Media

STATES = ("new", "in_review", "confirmed", "dismissed", "notice_sent", "removed", "reappeared")
QUEUE_STATES = ("new", "in_review", "reappeared")
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"in_review", "confirmed", "dismissed"}),
    "in_review": frozenset({"new", "confirmed", "dismissed"}),
    "confirmed": frozenset({"notice_sent", "removed", "dismissed"}),
    "dismissed": frozenset({"in_review", "confirmed"}),
    "notice_sent": frozenset({"removed", "confirmed"}),
    "removed": frozenset({"reappeared"}),
    "reappeared": frozenset({"in_review", "confirmed", "notice_sent", "removed"}),
}
ORIGINS = ("scan", "retro-match", "manual", "capture", "report", "monitor", "account")
REPORTERS = ("system", "staff", "fan")


class CaseError(ValueError):
    """A case or item operation was refused; the message says why."""


@dataclass(frozen=True)
class ItemView:
    id: int
    sha256: str
    location: str
    source: dict[str, Any]
    state: str
    risk: float
    origin: str
    reporter: str
    case_id: int | None
    case_number: str | None
    artist_id: int | None
    artist: str | None
    parent_id: int | None
    assigned_to: str | None
    opened_at: datetime
    state_changed_at: datetime
    last_seen_at: datetime
    media_type: str | None
    size_bytes: int | None

    def to_json(self) -> dict[str, Any]:
        from idolguard.clock import utc_iso

        return {
            "id": self.id,
            "sha256": self.sha256,
            "location": self.location,
            "source": self.source,
            "state": self.state,
            "risk": round(self.risk, 4),
            "origin": self.origin,
            "reporter": self.reporter,
            "case": self.case_number,
            "artist": self.artist,
            "artist_id": self.artist_id,
            "parent_id": self.parent_id,
            "assigned_to": self.assigned_to,
            "opened_at": utc_iso(self.opened_at),
            "state_changed_at": utc_iso(self.state_changed_at),
            "last_seen_at": utc_iso(self.last_seen_at),
            "media_type": self.media_type,
            "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    reason: str | None


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    title: str
    status: str
    artist_id: int | None
    artist: str | None
    description: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    item_counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        from idolguard.clock import utc_iso

        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "status": self.status,
            "artist": self.artist,
            "artist_id": self.artist_id,
            "description": self.description,
            "created_by": self.created_by,
            "created_at": utc_iso(self.created_at),
            "updated_at": utc_iso(self.updated_at),
            "items": self.item_counts,
        }


def _item_view(session: Session, item: Item) -> ItemView:
    case = session.get(Case, item.case_id) if item.case_id is not None else None
    artist = session.get(Artist, item.artist_id) if item.artist_id is not None else None
    media = session.get(Media, item.media_sha256)
    return ItemView(
        id=item.id,
        sha256=item.media_sha256,
        location=item.location,
        source=dict(item.source or {}),
        state=item.state,
        risk=item.risk,
        origin=item.origin,
        reporter=item.reporter,
        case_id=item.case_id,
        case_number=case.number if case else None,
        artist_id=item.artist_id,
        artist=artist.name if artist else None,
        parent_id=item.parent_id,
        assigned_to=item.assigned_to,
        opened_at=item.opened_at,
        state_changed_at=item.state_changed_at,
        last_seen_at=item.last_seen_at,
        media_type=media.media_type if media else None,
        size_bytes=media.size_bytes if media else None,
    )


def _case_view(session: Session, case: Case) -> CaseView:
    artist = session.get(Artist, case.artist_id) if case.artist_id is not None else None
    counts = dict(
        session.execute(
            select(Item.state, func.count()).where(Item.case_id == case.id).group_by(Item.state)
        ).all()
    )
    return CaseView(
        id=case.id,
        number=case.number,
        title=case.title,
        status=case.status,
        artist_id=case.artist_id,
        artist=artist.name if artist else None,
        description=case.description,
        created_by=case.created_by,
        created_at=case.created_at,
        updated_at=case.updated_at,
        item_counts={str(k): int(v) for k, v in counts.items()},
    )


class CaseService:
    def __init__(self, database: Database, custody: CustodyLog) -> None:
        self.db = database
        self.custody = custody

    # ----------------------------------------------------------------- items
    def open_item(
        self,
        session: Session,
        *,
        sha256: str,
        location: str,
        actor: str,
        origin: str,
        reason: str,
        risk: float = 0.0,
        artist_id: int | None = None,
        source: Mapping[str, Any] | None = None,
        reporter: str = "system",
        reporter_contact: str | None = None,
        related_sha256: Sequence[str] = (),
        case_id: int | None = None,
    ) -> tuple[Item, bool]:
        """Open an item, or note that a known one was seen again; returns ``(item, created)``.

        ``related_sha256`` names content this one matched (bank entries, the
        confirmed original): the item joins that content's case and records it
        as its parent, which is how a re-upload lands next to the original.
        """
        if origin not in ORIGINS:
            raise CaseError(f"unknown origin {origin!r}")
        if reporter not in REPORTERS:
            raise CaseError(f"reporter must be one of {', '.join(REPORTERS)}")
        existing = session.scalar(
            select(Item).where(Item.media_sha256 == sha256, Item.location == location)
        )
        if existing is not None:
            existing.last_seen_at = utcnow()
            existing.risk = max(existing.risk, risk)
            if source:
                existing.source = {**(existing.source or {}), **dict(source)}
            self.custody.append(
                session,
                actor=actor,
                action="seen",
                subject=f"item:{existing.id}",
                details={"sha256": sha256, "location": location, "origin": origin},
            )
            return existing, False
        parent = None
        if related_sha256:
            parent = session.scalar(
                select(Item)
                .where(Item.media_sha256.in_(list(related_sha256)))
                .order_by(Item.case_id.is_(None), Item.id)
                .limit(1)
            )
        if case_id is None and parent is not None:
            case_id = parent.case_id
        if artist_id is None and parent is not None:
            artist_id = parent.artist_id
        if case_id is None and artist_id is not None:
            case_id = self._open_case_of(session, artist_id)
        now = utcnow()
        item = Item(
            media_sha256=sha256,
            location=location,
            source=dict(source or {}),
            case_id=case_id,
            artist_id=artist_id,
            parent_id=parent.id if parent is not None else None,
            state="new",
            risk=risk,
            origin=origin,
            reporter=reporter,
            reporter_contact=reporter_contact,
            opened_at=now,
            state_changed_at=now,
            last_seen_at=now,
        )
        session.add(item)
        session.flush()
        session.add(ItemEvent(item_id=item.id, at=now, actor=actor, to_state="new", reason=reason))
        details: dict[str, Any] = {
            "sha256": sha256,
            "location": location,
            "origin": origin,
            "reason": reason,
            "risk": round(risk, 4),
        }
        if case_id is not None:
            details["case_id"] = case_id
            self._touch_case(session, case_id)
        if parent is not None:
            details["parent_item"] = parent.id
        self.custody.append(
            session, actor=actor, action="open", subject=f"item:{item.id}", details=details
        )
        return item, True

    def transition(
        self,
        item_id: int,
        to_state: str,
        *,
        actor: str,
        reason: str | None,
        session: Session | None = None,
    ) -> ItemView:
        if session is None:
            with self.db.session() as own:
                return self.transition(item_id, to_state, actor=actor, reason=reason, session=own)
        item = self._item(session, item_id)
        if to_state not in STATES:
            raise CaseError(f"unknown state {to_state!r}; states: {', '.join(STATES)}")
        if to_state not in TRANSITIONS[item.state]:
            allowed = ", ".join(sorted(TRANSITIONS[item.state])) or "none"
            raise CaseError(
                f"item {item_id} is {item.state}; it can move to: {allowed} (not {to_state})"
            )
        if to_state in ("confirmed", "dismissed") and not (reason and reason.strip()):
            raise CaseError("a decision needs a reason (--reason)")
        previous = item.state
        now = utcnow()
        item.state, item.state_changed_at = to_state, now
        if to_state != "in_review":
            item.assigned_to = None
        session.add(
            ItemEvent(
                item_id=item.id,
                at=now,
                actor=actor,
                from_state=previous,
                to_state=to_state,
                reason=reason,
            )
        )
        self.custody.append(
            session,
            actor=actor,
            action="transition",
            subject=f"item:{item.id}",
            details={"from": previous, "to": to_state, "reason": reason},
        )
        if item.case_id is not None:
            self._touch_case(session, item.case_id)
        session.flush()
        return _item_view(session, item)

    def _item(self, session: Session, item_id: int) -> Item:
        item = session.get(Item, item_id)
        if item is None:
            raise CaseError(f"no item #{item_id}")
        return item

    def get_item(self, item_id: int) -> ItemView:
        with self.db.session() as session:
            return _item_view(session, self._item(session, item_id))

    def events(self, item_id: int) -> list[EventView]:
        with self.db.session() as session:
            self._item(session, item_id)
            rows = session.scalars(
                select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(ItemEvent.id)
            )
            return [EventView(r.at, r.actor, r.from_state, r.to_state, r.reason) for r in rows]

    def list_items(
        self,
        *,
        states: Sequence[str] | None = None,
        case: str | None = None,
        limit: int | None = None,
    ) -> list[ItemView]:
        with self.db.session() as session:
            query = select(Item).order_by(Item.risk.desc(), Item.opened_at, Item.id)
            if states:
                unknown = set(states) - set(STATES)
                if unknown:
                    raise CaseError(f"unknown state(s): {', '.join(sorted(unknown))}")
                query = query.where(Item.state.in_(list(states)))
            if case is not None:
                query = query.where(Item.case_id == self._case(session, case).id)
            if limit is not None:
                query = query.limit(limit)
            return [_item_view(session, item) for item in session.scalars(query)]

    def queue(self, limit: int | None = None) -> list[ItemView]:
        """Items waiting for a decision, worst first."""
        return self.list_items(states=QUEUE_STATES, limit=limit)

    def claim_next(self, actor: str) -> ItemView | None:
        """Give ``actor`` the riskiest unclaimed item (their own claim first, if any)."""
        with self.db.session() as session:
            item = session.scalar(
                select(Item)
                .where(Item.state == "in_review", Item.assigned_to == actor)
                .order_by(Item.risk.desc(), Item.id)
                .limit(1)
            )
            if item is not None:
                return _item_view(session, item)
            item = session.scalar(
                select(Item)
                .where(Item.state.in_(["new", "reappeared"]))
                .order_by(Item.risk.desc(), Item.opened_at, Item.id)
                .limit(1)
            )
            if item is None:
                return None
            view = self.transition(
                item.id, "in_review", actor=actor, reason="claimed for review", session=session
            )
            item.assigned_to = actor
            return ItemView(**{**view.__dict__, "assigned_to": actor})

    # ----------------------------------------------------------------- cases
    def create_case(
        self,
        title: str,
        *,
        actor: str,
        artist_id: int | None = None,
        description: str | None = None,
        session: Session | None = None,
    ) -> CaseView:
        if session is None:
            with self.db.session() as own:
                return self.create_case(
                    title, actor=actor, artist_id=artist_id, description=description, session=own
                )
        if not title.strip():
            raise CaseError("a case needs a title")
        now = utcnow()
        case = Case(
            number=f"pending-{uuid.uuid4().hex[:24]}",  # unique until the id is known
            title=title.strip(),
            artist_id=artist_id,
            status="open",
            description=description,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
        case.number = f"IG-{now.year}-{case.id:04d}"
        self.custody.append(
            session,
            actor=actor,
            action="case",
            subject=f"case:{case.id}",
            details={"event": "created", "number": case.number, "title": case.title},
        )
        session.flush()
        return _case_view(session, case)

    def _case(self, session: Session, ref: str | int) -> Case:
        text = str(ref).strip()
        query = select(Case).where(
            or_(Case.number == text.upper(), Case.id == int(text.lstrip("#")))
            if text.lstrip("#").isdigit()
            else Case.number == text.upper()
        )
        case = session.scalar(query)
        if case is None:
            raise CaseError(f"no case {text!r} (use the number, e.g. IG-2026-0001, or the id)")
        return case

    def case_row(self, session: Session, ref: str | int) -> Case:
        """The case named by number or id, for services working inside one transaction."""
        return self._case(session, ref)

    @staticmethod
    def media_type_of(session: Session, sha256: str) -> str | None:
        media = session.get(Media, sha256)
        return media.media_type if media else None

    def get_case(self, ref: str | int) -> CaseView:
        with self.db.session() as session:
            return _case_view(session, self._case(session, ref))

    def list_cases(self, status: str | None = None) -> list[CaseView]:
        with self.db.session() as session:
            query = select(Case).order_by(Case.updated_at.desc(), Case.id.desc())
            if status:
                query = query.where(Case.status == status)
            return [_case_view(session, case) for case in session.scalars(query)]

    def set_case_status(self, ref: str | int, status: str, *, actor: str, reason: str) -> CaseView:
        if status not in ("open", "closed"):
            raise CaseError("a case is open or closed")
        with self.db.session() as session:
            case = self._case(session, ref)
            case.status, case.updated_at = status, utcnow()
            self.custody.append(
                session,
                actor=actor,
                action="case",
                subject=f"case:{case.id}",
                details={"event": status, "reason": reason},
            )
            return _case_view(session, case)

    def attach(
        self,
        item_id: int,
        case_ref: str | int | None,
        *,
        actor: str,
        reason: str | None = None,
        session: Session | None = None,
    ) -> ItemView:
        """Put an item into a case (``None`` takes it out)."""
        if session is None:
            with self.db.session() as own:
                return self.attach(item_id, case_ref, actor=actor, reason=reason, session=own)
        item = self._item(session, item_id)
        case = self._case(session, case_ref) if case_ref is not None else None
        previous = item.case_id
        item.case_id = case.id if case else None
        if case is not None:
            if item.artist_id is None:
                item.artist_id = case.artist_id
            self._touch_case(session, case.id)
        self.custody.append(
            session,
            actor=actor,
            action="assign",
            subject=f"item:{item.id}",
            details={
                "from_case": previous,
                "to_case": case.id if case else None,
                "reason": reason,
            },
        )
        session.flush()
        return _item_view(session, item)

    def ensure_case_for(self, session: Session, item: Item, *, actor: str) -> int:
        """The item's case, opening one for its artist (or for the item alone) when it has none."""
        if item.case_id is not None:
            return item.case_id
        artist = session.get(Artist, item.artist_id) if item.artist_id is not None else None
        case_id = self._open_case_of(session, artist.id) if artist is not None else None
        if case_id is None:
            title = (
                f"{artist.name}: {item.opened_at:%Y-%m-%d}"
                if artist
                else f"Unattributed content {item.media_sha256[:12]}"
            )
            case_id = self.create_case(
                title, actor=actor, artist_id=item.artist_id, session=session
            ).id
        self.attach(item.id, case_id, actor=actor, reason="opened on confirmation", session=session)
        return case_id

    @staticmethod
    def _open_case_of(session: Session, artist_id: int) -> int | None:
        """The artist's most recently active open case: where their new items go."""
        return session.scalar(
            select(Case.id)
            .where(Case.artist_id == artist_id, Case.status == "open")
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .limit(1)
        )

    def _touch_case(self, session: Session, case_id: int) -> None:
        case = session.get(Case, case_id)
        if case is not None:
            case.updated_at = utcnow()
