"""What a case report is made of: plain, frozen data that the domain fills and the writer draws.

Keeping the data apart from the wording and the layout lets the domain build a
report without loading fpdf2, and lets tests build one without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idolguard.signals.presentation import ReportScore

__all__ = ["CaseReport", "ReportEvent", "ReportItem", "ReportScore"]


@dataclass(frozen=True)
class ReportEvent:
    at: datetime  # aware UTC
    actor: str
    action: str  # e.g. "new → in_review", "confirmed", "evidence captured"
    reason: str | None


@dataclass(frozen=True)
class ReportItem:
    item_id: int
    state: str  # new | in_review | confirmed | dismissed | notice_sent | removed | reappeared
    media_type: str  # image | video
    sha256: str
    md5: str
    pdq: str | None
    size_bytes: int
    source_url: str | None
    final_url: str | None
    platform: str | None
    uploader: str | None
    page_title: str | None
    captured_at: datetime  # aware UTC
    operator: str
    capture_tool: str  # e.g. "IdolGuard 0.1.0"
    artists: list[str]
    scores: list[ReportScore]
    reasons: list[str]
    evidence_sha256: str  # SHA-256 of the item's evidence manifest
    timestamp: str | None  # RFC 3161 token summary; None when not timestamped
    thumbnail_png: bytes | None  # already blurred by the caller where required
    thumbnail_blurred: bool
    events: list[ReportEvent]


@dataclass(frozen=True)
class CaseReport:
    case_number: str  # e.g. "IG-2026-0007"
    title: str
    artist: str | None  # e.g. "Jennie (제니) — BLACKPINK"
    status: str
    opened_at: datetime
    generated_at: datetime
    generated_by: str
    tool: str  # "IdolGuard 0.1.0"
    custody_head: str  # hash of the last custody-log entry included in the bundle
    custody_entries: int
    items: list[ReportItem]
