"""What notice queries return: notices with their items and history, deadlines, statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from idolguard.clock import utc_iso, utcnow
from idolguard.notices.regimes import REGIMES

OPEN_STATUSES = ("sent", "acknowledged")  # the platform owes an answer: deadlines apply


@dataclass(frozen=True)
class NoticeItemView:
    item_id: int
    url: str
    item_state: str
    removed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item_id,
            "url": self.url,
            "item_state": self.item_state,
            "removed_at": utc_iso(self.removed_at) if self.removed_at else None,
        }


@dataclass(frozen=True)
class NoticeEventView:
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": utc_iso(self.at),
            "actor": self.actor,
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
        }


@dataclass(frozen=True)
class NoticeView:
    id: int
    number: str
    case_number: str
    regime: str
    platform: str
    channel: str
    recipient: str
    language: str
    category: str
    status: str
    subject: str
    body: str
    package: dict[str, Any]
    auto: bool
    follow_up_of: str | None
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    valid_at: datetime | None
    due_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    reference: str | None
    message_id: str | None
    sent_sha256: str | None
    last_error: str | None
    items: list[NoticeItemView]
    events: list[NoticeEventView] = field(default_factory=list)

    @property
    def needs_recipient(self) -> bool:
        """A draft with no one to send it to (an automatic follow-up): a task for a person."""
        return not self.recipient

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and now > self.due_at

    def to_json(self, now: datetime | None = None, *, body: bool = True) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return utc_iso(moment) if moment else None

        data: dict[str, Any] = {
            "number": self.number,
            "case": self.case_number,
            "regime": self.regime,
            "regime_name": REGIMES[self.regime].name_en,
            "platform": self.platform,
            "channel": self.channel,
            "recipient": self.recipient or None,
            "needs_recipient": self.needs_recipient,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "auto": self.auto,
            "follow_up_of": self.follow_up_of,
            "created_by": self.created_by,
            "created_at": when(self.created_at),
            "sent_at": when(self.sent_at),
            "valid_at": when(self.valid_at),
            "due_at": when(self.due_at),
            "acknowledged_at": when(self.acknowledged_at),
            "closed_at": when(self.closed_at),
            "overdue": self.overdue(now or utcnow()),
            "reference": self.reference,
            "message_id": self.message_id,
            "sent_sha256": self.sent_sha256,
            "last_error": self.last_error,
            "subject": self.subject,
            "items": [i.to_json() for i in self.items],
            "events": [e.to_json() for e in self.events],
        }
        if body:
            data["body"] = self.body
            data["fields"] = self.package.get("fields", [])
        return data


@dataclass(frozen=True)
class Escalation:
    """An overdue notice and where to take it next."""

    notice: NoticeView
    hours_overdue: float
    suggestions_en: list[str]
    suggestions_ko: list[str]

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "notice": self.notice.to_json(now, body=False),
            "hours_overdue": round(self.hours_overdue, 1),
            "suggestions": {"en": self.suggestions_en, "ko": self.suggestions_ko},
        }


@dataclass(frozen=True)
class PlatformStats:
    """Time to takedown at one platform, from notices this installation sent."""

    platform: str
    notices_sent: int
    urls_reported: int
    urls_removed: int
    open_notices: int
    overdue_notices: int
    median_hours: float | None
    p90_hours: float | None
    fastest_hours: float | None
    slowest_hours: float | None

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return round(value, 2) if value is not None else None

        return {
            "platform": self.platform,
            "notices_sent": self.notices_sent,
            "urls_reported": self.urls_reported,
            "urls_removed": self.urls_removed,
            "open_notices": self.open_notices,
            "overdue_notices": self.overdue_notices,
            "median_hours_to_takedown": r(self.median_hours),
            "p90_hours_to_takedown": r(self.p90_hours),
            "fastest_hours": r(self.fastest_hours),
            "slowest_hours": r(self.slowest_hours),
        }


_UNITS = {
    "en": ("under a minute", "{n} min", "{n} h", "{n} days"),
    "ko": ("1분 미만", "{n}분", "{n}시간", "{n}일"),
}


def format_duration(hours: float | None, language: str = "en") -> str:
    """A time to takedown (or to a deadline) as people read it, in ``language`` (ko or en).

    The one formatter for every place a duration is shown (CLI, web pages, the
    fan guide, PDFs): fast removals are the good news, so under an hour shows
    minutes instead of rounding to "0.0 h"; up to two days shows hours, beyond
    that days.
    """
    if hours is None:
        return "—"
    under_minute, minutes, hours_unit, days = _UNITS.get(language, _UNITS["en"])
    total_minutes = max(0.0, hours) * 60
    if total_minutes < 1:
        return under_minute
    if total_minutes < 59.5:
        return minutes.format(n=round(total_minutes))
    if hours < 48:
        return hours_unit.format(n=_one_decimal(hours))
    return days.format(n=_one_decimal(hours / 24))


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile of already sorted values."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = q * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
