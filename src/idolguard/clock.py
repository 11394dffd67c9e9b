"""The clock and how its times are written: one place for "now" and for UTC text.

Every stored and evidential time is an aware UTC ``datetime``; evidence,
notices and the interfaces write it as ISO 8601 with a ``Z``. Keeping the clock
beside its formatter lets every layer — storage defaults, domain services, the
CLI — read the time without importing the database schema.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime; evidence times must be aware UTC")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_utc_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
