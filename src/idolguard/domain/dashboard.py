"""The dashboard's figures: what was found, confirmed and taken down, and what is late.

Everything is computed from the agency's own database. Date bucketing happens
here in Python (per UTC day), not in SQL, so SQLite and PostgreSQL give the
same answers; only the few columns needed are read.

Definitions:

* *found*: items opened (``Item.opened_at``) on that day.
* *confirmed*: review confirmations, dated by the item's event into
  ``confirmed``; an item returning to ``confirmed`` after a rejected notice
  (from ``notice_sent``) is not a new confirmation.
* *removed*: events into ``removed`` (content taken down again after it
  reappeared counts again: each is a takedown).
* *time to takedown*: as in ``NoticeService.stats()``, hours from a notice's
  ``sent_at`` to the time its URL was seen gone (``NoticeItem.removed_at``),
  counted for removals inside the window.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso, utcnow
from idolguard.domain.cases import QUEUE_STATES
from idolguard.domain.takedowns.views import OPEN_STATUSES, percentile
from idolguard.platforms import is_web_url, platform_for
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, Case, Item, ItemEvent, Notice, NoticeItem

MAX_DAYS = 365
DUE_SOON_HOURS = 24.0
UNKNOWN = "unknown"
METRICS = ("found", "confirmed", "removed")
# Time-to-takedown histogram: (key, label, lower hours inclusive, upper hours exclusive).
TTD_BUCKETS: tuple[tuple[str, str, float, float | None], ...] = (
    ("lt_6h", "<6h", 0.0, 6.0),
    ("6_24h", "6-24h", 6.0, 24.0),
    ("24_48h", "24-48h", 24.0, 48.0),
    ("48_72h", "48-72h", 48.0, 72.0),
    ("3_7d", "3-7d", 72.0, 168.0),
    ("gt_7d", ">7d", 168.0, None),
)


class DashboardError(ValueError):
    """A dashboard request was refused; the message says why."""


def item_platform(source: Mapping[str, Any] | None, location: str) -> str:
    """Where an item was found: the source's ``platform``, else the URL's site, else unknown."""
    source = source or {}
    named = source.get("platform")
    if isinstance(named, str) and named.strip():
        return named.strip().lower()
    for candidate in (source.get("url"), source.get("final_url"), location):
        if isinstance(candidate, str) and is_web_url(candidate):
            return platform_for(candidate)
    return UNKNOWN


def ttd_bucket(hours: float) -> str:
    for key, _label, low, high in TTD_BUCKETS:
        if hours >= low and (high is None or hours < high):
            return key
    return TTD_BUCKETS[0][0]  # negative spans (clock skew) count as fastest


def _counts() -> dict[str, int]:
    return dict.fromkeys(METRICS, 0)


@dataclass(frozen=True)
class _ItemInfo:
    artist_id: int | None
    platform: str


class DashboardService:
    def __init__(self, database: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = database
        self.clock = clock

    def summary(
        self,
        *,
        days: int = 30,
        artist_id: int | None = None,
        platform: str | None = None,
    ) -> dict[str, Any]:
        """The dashboard for the last ``days`` UTC days (today included), optionally filtered.

        Keys: ``series`` (one row per day, empty days included), ``by_artist``
        and ``by_platform`` (found/confirmed/removed in the window, busiest
        first; ``"unknown"`` for items without one), ``platforms`` (every
        platform active in the window, for a filter), ``time_to_takedown``
        (fixed-bucket histogram, median and p90 hours), ``overdue`` and
        ``due_soon`` (open notices past, or within 24 hours of, their
        deadline: current, not windowed) and ``totals`` (the queue now; found,
        confirmed and removed in the window; open, overdue, due-soon notices).
        The artist filter applies to notices through their case's artist.
        """
        if not 1 <= days <= MAX_DAYS:
            raise DashboardError(f"days must be between 1 and {MAX_DAYS}")
        platform = platform.strip().lower() if platform and platform.strip() else None
        now = self.clock().astimezone(UTC)
        first_day = now.date() - timedelta(days=days - 1)
        start = datetime.combine(first_day, time.min, tzinfo=UTC)
        day_list = [first_day + timedelta(days=n) for n in range(days)]
        series: dict[date, dict[str, int]] = {d: _counts() for d in day_list}
        per_artist: dict[int | None, dict[str, int]] = {}
        per_platform: dict[str, dict[str, int]] = {}

        def wanted(info: _ItemInfo) -> bool:
            if artist_id is not None and info.artist_id != artist_id:
                return False
            return platform is None or info.platform == platform

        seen_platforms: set[str] = set()

        def count(metric: str, at: datetime, info: _ItemInfo) -> None:
            day = at.astimezone(UTC).date()
            if day not in series:
                return
            seen_platforms.add(info.platform)
            if not wanted(info):
                return
            series[day][metric] += 1
            per_artist.setdefault(info.artist_id, _counts())[metric] += 1
            per_platform.setdefault(info.platform, _counts())[metric] += 1

        with self.db.session() as session:
            names = dict(session.execute(select(Artist.id, Artist.name)).all())
            found_rows = session.execute(
                select(Item.opened_at, Item.artist_id, Item.source, Item.location).where(
                    *self._artist_filter(Item.artist_id, artist_id), Item.opened_at >= start
                )
            )
            for opened_at, item_artist, source, location in found_rows:
                count("found", opened_at, _ItemInfo(item_artist, item_platform(source, location)))
            event_rows = session.execute(
                select(
                    ItemEvent.at,
                    ItemEvent.to_state,
                    ItemEvent.from_state,
                    Item.artist_id,
                    Item.source,
                    Item.location,
                )
                .join(Item, Item.id == ItemEvent.item_id)
                .where(
                    *self._artist_filter(Item.artist_id, artist_id),
                    ItemEvent.at >= start,
                    ItemEvent.to_state.in_(("confirmed", "removed")),
                )
            )
            for at, to_state, from_state, item_artist, source, location in event_rows:
                if to_state == "confirmed" and from_state == "notice_sent":
                    continue  # back from a rejected notice: not a new confirmation
                info = _ItemInfo(item_artist, item_platform(source, location))
                count(to_state, at, info)
            queue = sum(
                1
                for item_artist, source, location in session.execute(
                    select(Item.artist_id, Item.source, Item.location).where(
                        *self._artist_filter(Item.artist_id, artist_id),
                        Item.state.in_(QUEUE_STATES),
                    )
                )
                if wanted(_ItemInfo(item_artist, item_platform(source, location)))
            )
            ttd = self._time_to_takedown(session, start, artist_id, platform)
            overdue, due_soon, open_notices = self._deadlines(session, now, artist_id, platform)

        by_artist: list[dict[str, Any]] = [
            {
                "artist_id": key,
                "artist": names.get(key, UNKNOWN) if key is not None else UNKNOWN,
                **counts,
            }
            for key, counts in per_artist.items()
        ]
        by_artist.sort(key=lambda r: (-sum(r[m] for m in METRICS), str(r["artist"])))
        by_platform: list[dict[str, Any]] = [
            {"platform": key, **counts} for key, counts in per_platform.items()
        ]
        by_platform.sort(key=lambda r: (-sum(r[m] for m in METRICS), str(r["platform"])))
        totals_window = {m: sum(day[m] for day in series.values()) for m in METRICS}
        return {
            "generated_at": utc_iso(now),
            "days": days,
            "from": first_day.isoformat(),
            "to": day_list[-1].isoformat(),
            "filters": {"artist_id": artist_id, "platform": platform},
            "totals": {
                "queue": queue,
                **totals_window,
                "open_notices": open_notices,
                "overdue": len(overdue),
                "due_soon": len(due_soon),
            },
            "series": [{"day": d.isoformat(), **series[d]} for d in day_list],
            "by_artist": by_artist,
            "by_platform": by_platform,
            "platforms": sorted(seen_platforms | ({platform} if platform else set())),
            "time_to_takedown": ttd,
            "overdue": overdue,
            "due_soon": due_soon,
        }

    @staticmethod
    def _artist_filter(column: Any, artist_id: int | None) -> list[Any]:
        return [] if artist_id is None else [column == artist_id]

    def _time_to_takedown(
        self, session: Session, start: datetime, artist_id: int | None, platform: str | None
    ) -> dict[str, Any]:
        query = (
            select(Notice.sent_at, NoticeItem.removed_at)
            .join(NoticeItem, NoticeItem.notice_id == Notice.id)
            .join(Item, Item.id == NoticeItem.item_id)
            .where(
                Notice.sent_at.is_not(None),
                NoticeItem.removed_at.is_not(None),
                NoticeItem.removed_at >= start,
                *self._artist_filter(Item.artist_id, artist_id),
            )
        )
        if platform is not None:
            query = query.where(Notice.platform == platform)
        hours = sorted(
            max(0.0, (removed_at - sent_at).total_seconds() / 3600)
            for sent_at, removed_at in session.execute(query)
            if sent_at is not None and removed_at is not None
        )
        buckets = dict.fromkeys((key for key, *_rest in TTD_BUCKETS), 0)
        for value in hours:
            buckets[ttd_bucket(value)] += 1

        def r(value: float | None) -> float | None:
            return round(value, 2) if value is not None else None

        return {
            "count": len(hours),
            "buckets": [
                {
                    "key": key,
                    "label": label,
                    "min_hours": low,
                    "max_hours": high,
                    "count": buckets[key],
                }
                for key, label, low, high in TTD_BUCKETS
            ],
            "median_hours": r(statistics.median(hours)) if hours else None,
            "p90_hours": r(percentile(hours, 0.9)) if hours else None,
        }

    def _deadlines(
        self, session: Session, now: datetime, artist_id: int | None, platform: str | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        query = (
            select(Notice.number, Notice.platform, Notice.status, Notice.due_at, Notice.sent_at)
            .join(Case, Case.id == Notice.case_id)
            .where(
                Notice.status.in_(OPEN_STATUSES), *self._artist_filter(Case.artist_id, artist_id)
            )
            .order_by(Notice.due_at, Notice.number)
        )
        if platform is not None:
            query = query.where(Notice.platform == platform)
        overdue: list[dict[str, Any]] = []
        soon: list[dict[str, Any]] = []
        open_count = 0
        for number, notice_platform, status, due_at, sent_at in session.execute(query):
            open_count += 1
            if due_at is None:
                continue
            row: dict[str, Any] = {
                "number": number,
                "platform": notice_platform,
                "status": status,
                "sent_at": utc_iso(sent_at) if sent_at else None,
                "due_at": utc_iso(due_at),
            }
            if due_at < now:
                row["hours_overdue"] = round((now - due_at).total_seconds() / 3600, 1)
                overdue.append(row)
            elif due_at <= now + timedelta(hours=DUE_SOON_HOURS):
                row["hours_left"] = round((due_at - now).total_seconds() / 3600, 1)
                soon.append(row)
        overdue.sort(key=lambda r: -float(r["hours_overdue"]))
        return overdue, soon, open_count
