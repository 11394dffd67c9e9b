"""Fan reports: the numbers, limits and statuses, the errors and the views the service hands out.

The vocabulary shared by the service's parts, the web pages and the review
queue: what a fan is told for each item state, and how report numbers and URLs
are normalised.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from idolguard.clock import utc_iso

ACTOR = "fan-report"
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed by hand
NUMBER_LENGTH = 8
PIN_DIGITS = 8
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MAX_DESCRIPTION = 2000
MAX_CONTACT = 200
MAX_URL = 2000
MAX_CAPTURE_ERROR = 1000
LANGUAGES = ("ko", "en")
GENERIC_FAILURE = "unknown report number or wrong PIN"
WITHDRAWN_REASON = "withdrawn by the reporter"
STATUSES = ("received", "in_review", "action_taken", "removed", "dismissed", "withdrawn")
_NUMBER_RE = re.compile(rf"R-[{NUMBER_ALPHABET}]{{{NUMBER_LENGTH}}}")
# What a fan is told for each item state: never who decided or why.
_FAN_STATUS = {
    "new": "received",
    "in_review": "in_review",
    "confirmed": "action_taken",
    "notice_sent": "action_taken",
    "reappeared": "action_taken",
    "removed": "removed",
    "dismissed": "dismissed",
}
_ACTED_ON = frozenset({"confirmed", "notice_sent", "reappeared", "removed"})


class ReportError(ValueError):
    """A report was refused; the message says why, for the fan."""


class CaptureFailed(ReportError):
    """Staff's capture of a report's URL failed; ``code`` says why (kept on the report)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ReportAccessDenied(ReportError):
    """Unknown number or wrong PIN: deliberately the same message for both."""

    def __init__(self) -> None:
        super().__init__(GENERIC_FAILURE)


class ReportLocked(ReportError):
    """Too many wrong PINs for this report; try again after ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        minutes = max(1, -(-self.retry_after_seconds // 60))
        super().__init__(f"too many wrong PINs for this report; try again in {minutes} minutes")


@dataclass(frozen=True)
class SubmittedReport:
    number: str
    pin: str  # shown to the fan once; never stored
    status: str
    duplicate: bool  # for staff and the CLI; the fan's answer does not say

    def to_json(self) -> dict[str, Any]:
        """The fan's answer: never whether the content was reported or acted on before."""
        return {"number": self.number, "pin": self.pin, "status": self.status}


@dataclass(frozen=True)
class ReportStatus:
    """What the fan who holds the PIN may know about their own report."""

    number: str
    status: str
    submitted_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    can_withdraw: bool
    still_acted_on: bool  # withdrawn, but the agency had already confirmed the content

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "submitted_at": utc_iso(self.submitted_at),
            "updated_at": utc_iso(self.updated_at),
            "withdrawn_at": utc_iso(self.withdrawn_at) if self.withdrawn_at else None,
            "can_withdraw": self.can_withdraw,
            "still_acted_on": self.still_acted_on,
        }


@dataclass(frozen=True)
class ReportView:
    """A report as staff see it (never the PIN or its hash)."""

    id: int
    number: str
    status: str
    item_id: int | None
    item_state: str | None
    artist_id: int | None
    url: str | None
    sha256: str | None
    description: str | None
    contact: str | None
    language: str
    created_at: datetime
    withdrawn_at: datetime | None
    duplicate_of: str | None  # the earlier report's number
    artist: str | None = None  # the chosen artist's name, while on the roster
    capture_failed_at: datetime | None = None
    capture_error_code: str | None = None  # a FetchErrorCode, or "not_media"
    capture_error: str | None = None

    @property
    def pending_capture(self) -> bool:
        return self.item_id is None and self.url is not None and self.withdrawn_at is None

    def to_json(self, *, include_contact: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "status": self.status,
            "item_id": self.item_id,
            "item_state": self.item_state,
            "artist_id": self.artist_id,
            "url": self.url,
            "sha256": self.sha256,
            "description": self.description,
            "contact_given": self.contact is not None,
            "language": self.language,
            "created_at": utc_iso(self.created_at),
            "withdrawn_at": utc_iso(self.withdrawn_at) if self.withdrawn_at else None,
            "duplicate_of": self.duplicate_of,
            "pending_capture": self.pending_capture,
            "artist": self.artist,
            "capture_failed_at": utc_iso(self.capture_failed_at)
            if self.capture_failed_at
            else None,
            "capture_error_code": self.capture_error_code,
            "capture_error": self.capture_error,
        }
        if include_contact:
            data["contact"] = self.contact
        return data


def normalise_url(url: str) -> str:
    """The URL as reports compare it: no fragment, lower-case scheme and host, http(s) only."""
    text = url.strip()
    if len(text) > MAX_URL:
        raise ReportError(f"the address is longer than {MAX_URL} characters")
    if any(unicodedata.category(c) == "Cc" or c.isspace() for c in text):
        raise ReportError("the address must not contain spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise ReportError("this does not look like a web address") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ReportError("give a web address that starts with http:// or https://")
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    netloc = f"{userinfo}{at}{hostport.lower()}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def normalise_number(number: str) -> str:
    text = "".join(str(number).split()).upper()
    if not text.startswith("R-") and len(text) == NUMBER_LENGTH:
        text = f"R-{text}"
    return text


def _clean_text(value: str | None, limit: int, what: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise ReportError(f"the {what} is longer than {limit} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        raise ReportError(f"the {what} contains control characters")
    return text


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
