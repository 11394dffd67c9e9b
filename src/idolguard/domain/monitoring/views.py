"""What monitoring shows: sources, their entries and sightings, and what a run did.

The read side of ``MonitorService`` (``SourceQueries``), kept apart from the
runs so that listing sources never touches fetching or scanning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from idolguard.clock import utc_iso
from idolguard.storage.database import Database
from idolguard.storage.models import (
    AnalysisResult,
    Artist,
    Item,
    MonitorEntry,
    MonitorSource,
    Sighting,
)


class MonitorError(ValueError):
    """A source request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    kind: str
    options: dict[str, Any]
    every_seconds: int
    enabled: bool
    created_by: str
    created_at: datetime
    cursor: dict[str, Any]
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    runs: int
    entries: dict[str, int]  # by state
    sightings: int


@dataclass(frozen=True)
class EntryView:
    id: int
    key: str
    media_url: str | None
    state: str
    attempts: int
    media_sha256: str | None
    item_id: int | None
    error: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    times_listed: int


@dataclass
class RunReport:
    """What one run of one source did; ``error`` is set when the poll itself failed."""

    source: str
    started_at: datetime
    listed: int = 0
    new: int = 0
    already_seen: int = 0
    retried: int = 0
    processed: int = 0
    failed: int = 0
    opened: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per entry, first few
    error: str | None = None
    stopped: bool = False
    cursor_saved: bool = False
    requests: int = 0
    retries: int = 0
    robots_refusals: int = 0
    next_run_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["started_at"] = utc_iso(self.started_at)
        data["next_run_at"] = utc_iso(self.next_run_at) if self.next_run_at else None
        return data


class SourceQueries:
    """Read-only views of the monitored sources, mixed into ``MonitorService``."""

    db: Database

    def sources(self) -> list[SourceView]:
        with self.db.session() as session:
            rows = session.scalars(select(MonitorSource).order_by(MonitorSource.name)).all()
            return [self._view(session, row) for row in rows]

    def get(self, name: str) -> SourceView:
        with self.db.session() as session:
            return self._view(session, self._row(session, name))

    def entries(self, name: str, *, state: str | None = None, limit: int = 50) -> list[EntryView]:
        with self.db.session() as session:
            row = self._row(session, name)
            query = select(MonitorEntry).where(MonitorEntry.source_id == row.id)
            if state:
                query = query.where(MonitorEntry.state == state)
            query = query.order_by(MonitorEntry.last_seen_at.desc(), MonitorEntry.id.desc())
            return [_entry_view(e) for e in session.scalars(query.limit(limit))]

    def sightings(self, name: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Where and when this source saw media, newest first, with what the source said.

        Each also says what came of it, so staff need not look the file up
        elsewhere: the artists the identity signal recognised, the risk (the
        item's when one was opened, else the stored risk score) and the item.
        """
        with self.db.session() as session:
            row = self._row(session, name)
            found = list(
                session.scalars(
                    select(Sighting)
                    .where(Sighting.source_id == row.id)
                    .order_by(Sighting.seen_at.desc(), Sighting.id.desc())
                    .limit(limit)
                )
            )
            scores = _stored_outcomes(session, {s.media_sha256 for s in found if s.media_sha256})
            items = _opened_items(session, {s.entry_id for s in found if s.entry_id})
            views = []
            for s in found:
                artists, risk = scores.get(s.media_sha256 or "", ([], None))
                item = items.get(s.entry_id) if s.entry_id else None
                views.append(
                    {
                        "id": s.id,
                        "location": s.location,
                        "sha256": s.media_sha256,
                        "seen_at": utc_iso(s.seen_at),
                        "error": s.error_message,
                        "artists": artists,
                        "risk": item["risk"] if item else risk,
                        "item": item,
                        "details": s.details or {},
                    }
                )
            return views

    def _row(self, session: Any, name: str) -> MonitorSource:
        row: MonitorSource | None = session.scalar(
            select(MonitorSource).where(MonitorSource.name == name.lower())
        )
        if row is None:
            raise MonitorError(f"no source named {name!r} (see `idolguard sources list`)")
        return row

    def _view(self, session: Any, row: MonitorSource) -> SourceView:
        counts = dict(
            session.execute(
                select(MonitorEntry.state, func.count())
                .where(MonitorEntry.source_id == row.id)
                .group_by(MonitorEntry.state)
            ).all()
        )
        sightings = session.scalar(
            select(func.count()).select_from(Sighting).where(Sighting.source_id == row.id)
        )
        return SourceView(
            id=row.id,
            name=row.name,
            kind=row.kind,
            options=dict(row.options),
            every_seconds=row.every_seconds,
            enabled=row.enabled,
            created_by=row.created_by,
            created_at=row.created_at,
            cursor=dict(row.cursor or {}),
            next_run_at=row.next_run_at,
            last_run_at=row.last_run_at,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
            failures=row.failures,
            runs=row.runs,
            entries={str(k): int(v) for k, v in counts.items()},
            sightings=int(sightings or 0),
        )


def _stored_outcomes(session: Any, hashes: set[str]) -> dict[str, tuple[list[str], float | None]]:
    """``sha256 -> (recognised artists, risk score)`` from the newest stored results."""
    rows = session.execute(
        select(AnalysisResult.media_sha256, AnalysisResult.signal, AnalysisResult.data)
        .where(
            AnalysisResult.media_sha256.in_(hashes),
            AnalysisResult.signal.in_(("identity", "risk")),
            AnalysisResult.error.is_(None),
        )
        .order_by(AnalysisResult.created_at, AnalysisResult.id)
    )
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for sha256, signal, data in rows:
        newest[(sha256, signal)] = data or {}
    outcomes: dict[str, tuple[list[str], float | None]] = {}
    for sha256 in hashes:
        artists = newest.get((sha256, "identity"), {}).get("artists") or []
        score = newest.get((sha256, "risk"), {}).get("score")
        outcomes[sha256] = (
            [str(a) for a in artists],
            round(float(score), 4) if isinstance(score, int | float) else None,
        )
    return outcomes


def _opened_items(session: Any, entry_ids: set[int]) -> dict[int, dict[str, Any]]:
    """``entry id -> the item it opened`` (id, state, risk and the artist a reviewer set)."""
    rows = session.execute(
        select(MonitorEntry.id, Item.id, Item.state, Item.risk, Artist.name)
        .join(Item, Item.id == MonitorEntry.item_id)
        .outerjoin(Artist, Artist.id == Item.artist_id)
        .where(MonitorEntry.id.in_(entry_ids))
    )
    return {
        entry_id: {"id": item_id, "state": state, "risk": round(risk, 4), "artist": artist}
        for entry_id, item_id, state, risk, artist in rows
    }


def _entry_view(entry: MonitorEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        key=entry.key,
        media_url=entry.media_url,
        state=entry.state,
        attempts=entry.attempts,
        media_sha256=entry.media_sha256,
        item_id=entry.item_id,
        error=entry.error,
        first_seen_at=entry.first_seen_at,
        last_seen_at=entry.last_seen_at,
        times_listed=entry.times_listed,
    )


__all__ = ["EntryView", "MonitorError", "RunReport", "SourceQueries", "SourceView"]
