"""Fan reports: anyone may report content about an artist, and check on it with a number and PIN.

A fan sends a URL, a file, or both, with the artist it shows, an optional
description and an optional way to reach them. They get a report number and
a PIN (shown once; only its argon2id hash is kept) to check the status later
or withdraw the report, with no account.

*Files* go through intake at once: analysed by the pipeline, the original
stored write-once, and a review item opened (origin ``report``, reporter
``fan``) with the URL as its location when one was given.

*URL-only reports* are never fetched while the fan waits (slow, and fetching
whatever a stranger names from inside the request is an SSRF risk). An item
needs stored media (``Item.media_sha256`` is required), so such a report waits
in :meth:`FanReportService.pending_urls` until staff capture it with
:meth:`FanReportService.capture`, which fetches the page through
``IntakeService.add_url`` (with its address checks) and links the item to the
report, and to every other pending report of the same URL. A capture that
fails (the site is unreachable, the page shows no media) is recorded on the
report with its reason, which staff see in the queue; they may retry.

The artist the fan picked goes into the item's source as ``reported_artist``
(id and name): triage counts it as a naming of the artist, like a caption
that names them (see ``idolguard.signals.risk``).

Reports of what was already reported (the same normalised URL, or the same
file by SHA-256, as an earlier report not withdrawn) are collapsed: the new
report records ``duplicate_of`` and follows the same item, which is marked as
seen again rather than opened twice. Each fan still gets their own number
and PIN, and is answered as for a new report: whether the file was reported
or acted on before is for staff to see, not for whoever uploads it (the
faker included). Such a report reads ``received`` until its item next
changes.

The status a fan sees is derived from the item's state and says nothing
about reviewers or other reports. Five wrong PINs lock a report for 15
minutes; unknown numbers cost the same hash check as wrong PINs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso, utcnow
from idolguard.domain.cases import CaseError, CaseService
from idolguard.domain.custody import CustodyLog
from idolguard.domain.intake import IntakeError, IntakeService
from idolguard.domain.roster import RosterError, RosterService
from idolguard.media import MediaError
from idolguard.sources.web import FetchError
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, FanReport, Item

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


class FanReportService:
    def __init__(
        self,
        database: Database,
        intake: IntakeService,
        cases: CaseService,
        roster: RosterService,
        custody: CustodyLog,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.db = database
        self.intake = intake
        self.cases = cases
        self.roster = roster
        self.custody = custody
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # ------------------------------------------------------------ submitting
    def submit(
        self,
        *,
        artist_id: int | None,
        url: str | None,
        upload: Path | None,
        upload_name: str | None,
        description: str | None,
        contact: str | None,
        language: str,
    ) -> SubmittedReport:
        """Record a report; returns its number and PIN (the only time the PIN exists in clear)."""
        clean_url = normalise_url(url) if url and url.strip() else None
        if clean_url is None and upload is None:
            raise ReportError("give the address where you saw the content, or upload the file")
        description = _clean_text(description, MAX_DESCRIPTION, "description")
        contact = _clean_text(contact, MAX_CONTACT, "contact")
        if language not in LANGUAGES:
            raise ReportError(f"language must be one of {', '.join(LANGUAGES)}")
        if artist_id is not None:
            try:
                self.roster.get(f"#{int(artist_id)}")
            except RosterError as exc:
                raise ReportError("that artist is not on this agency's roster") from exc
        if upload is not None and (not upload.is_file() or upload.stat().st_size == 0):
            raise ReportError("the uploaded file is empty")
        sha256 = _sha256_of(upload) if upload is not None else None
        number = self._new_number()
        pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
        pin_hash = self.hasher.hash(pin)

        with self.db.session() as session:
            earlier = self._earlier(session, clean_url, sha256)
            earlier_id = earlier.id if earlier is not None else None
            item_id = earlier.item_id if earlier is not None else None
        seen_again = item_id is not None
        if item_id is None and upload is not None:
            item_id = self._open_item(
                upload,
                upload_name=upload_name,
                number=number,
                url=clean_url,
                artist_id=artist_id,
                description=description,
                contact=contact,
            )
        with self.db.session() as session:
            report = FanReport(
                number=number,
                pin_hash=pin_hash,
                item_id=item_id,
                artist_id=artist_id,
                url=clean_url,
                sha256=sha256,
                description=description,
                contact=contact,
                language=language,
                created_at=utcnow(),
                duplicate_of=earlier_id,
                pin_failures=0,
            )
            session.add(report)
            session.flush()
            if item_id is not None:
                item = session.get(Item, item_id)
                if item is not None:
                    if seen_again:
                        self._seen_again(session, item, report)
                    self._fill_item(session, item, artist_id=artist_id, contact=contact)
                    if clean_url is not None:
                        self._link_pending(session, clean_url, item_id)
            self.custody.append(
                session,
                actor=ACTOR,
                action="report",
                subject=f"report:{report.id}",
                details={
                    "event": "submitted",
                    "number": number,
                    "item_id": item_id,
                    "duplicate_of": earlier_id,
                    "url": clean_url,
                    "sha256": sha256,
                    "artist_id": artist_id,
                    "description_given": description is not None,
                    "contact_given": contact is not None,
                    "language": language,
                },
            )
            status = self._fan_status(session, report)
        return SubmittedReport(number, pin, status, earlier_id is not None)

    def _open_item(
        self,
        upload: Path,
        *,
        upload_name: str | None,
        number: str,
        url: str | None,
        artist_id: int | None,
        description: str | None,
        contact: str | None,
    ) -> int:
        source: dict[str, Any] = {"report": number, "reported_by": "fan"}
        if url is not None:
            source["url"] = url
        if description is not None:
            source["description"] = description
        if artist_id is not None:
            source["artist_hint"] = artist_id
            source["reported_artist"] = self._reported_artist(artist_id)
        if upload_name:
            source["file_name"] = Path(upload_name).name[:200]
        try:
            opened = self.intake.add_file(
                upload,
                actor=ACTOR,
                origin="report",
                reporter="fan",
                reporter_contact=contact,
                source=source,
                location=url or f"report:{number}",
            )
        except (IntakeError, MediaError) as exc:
            raise ReportError(
                "this file is not a photo or video IdolGuard can read "
                "(JPEG, PNG, WebP, GIF, HEIC, AVIF, MP4, MOV, WebM and similar)"
            ) from exc
        return opened.item_id

    def _reported_artist(self, artist_id: int | None) -> dict[str, Any] | None:
        """The fan's chosen artist as the item's source records it (None once off the roster)."""
        if artist_id is None:
            return None
        try:
            artist = self.roster.get(f"#{int(artist_id)}")
        except RosterError:
            return None
        return {"artist_id": artist.id, "name": artist.name}

    def _earlier(self, session: Session, url: str | None, sha256: str | None) -> FanReport | None:
        """The first report not withdrawn of the same URL or the same file, if any."""
        conditions = []
        if url is not None:
            conditions.append(FanReport.url == url)
        if sha256 is not None:
            conditions.append(FanReport.sha256 == sha256)
        if not conditions:
            return None
        return session.scalar(
            select(FanReport)
            .where(or_(*conditions), FanReport.withdrawn_at.is_(None))
            .order_by(FanReport.item_id.is_(None), FanReport.id)
            .limit(1)
        )

    def _seen_again(self, session: Session, item: Item, report: FanReport) -> None:
        item.last_seen_at = utcnow()
        self.custody.append(
            session,
            actor=ACTOR,
            action="seen",
            subject=f"item:{item.id}",
            details={
                "sha256": item.media_sha256,
                "location": item.location,
                "origin": "report",
                "report": report.number,
            },
        )

    @staticmethod
    def _fill_item(
        session: Session, item: Item, *, artist_id: int | None, contact: str | None
    ) -> None:
        """The fan's artist and contact, where the item has none (reviewers may change them)."""
        if artist_id is not None and item.artist_id is None:
            item.artist_id = artist_id
        if contact is not None and item.reporter_contact is None and item.reporter == "fan":
            item.reporter_contact = contact

    @staticmethod
    def _link_pending(session: Session, url: str, item_id: int) -> list[int]:
        """Give the item to every report of this URL still waiting for one."""
        waiting = session.scalars(
            select(FanReport).where(
                FanReport.url == url,
                FanReport.item_id.is_(None),
                FanReport.withdrawn_at.is_(None),
            )
        ).all()
        for report in waiting:
            report.item_id = item_id
        return [report.id for report in waiting]

    def _new_number(self) -> str:
        with self.db.session() as session:
            while True:
                number = "R-" + "".join(
                    secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH)
                )
                taken = session.scalar(select(FanReport.id).where(FanReport.number == number))
                if taken is None:
                    return number

    # ------------------------------------------------------- the fan's view
    def status(self, number: str, pin: str) -> ReportStatus:
        """The report's fan-facing status; raises ``ReportAccessDenied`` or ``ReportLocked``."""
        with self.db.session() as session:
            report, refusal = self._unlock(session, number, pin)
            if report is not None:
                return self._status_view(session, report)
        raise refusal or ReportAccessDenied()

    def withdraw(self, number: str, pin: str) -> ReportStatus:
        """Withdraw a report; its item is dismissed when nobody else reported it and no
        decision was made yet. Content the agency already confirmed stays confirmed."""
        with self.db.session() as session:
            report, refusal = self._unlock(session, number, pin)
            if report is None:
                session.commit()  # the wrong PIN is counted
                raise refusal or ReportAccessDenied()
            if report.withdrawn_at is not None:
                return self._status_view(session, report)
            report.withdrawn_at = utcnow()
            dismissed = False
            item = session.get(Item, report.item_id) if report.item_id is not None else None
            if (
                item is not None
                and item.state in ("new", "in_review")
                and item.origin == "report"
                and item.reporter == "fan"
            ):
                others = session.scalar(
                    select(FanReport.id)
                    .where(
                        FanReport.item_id == item.id,
                        FanReport.id != report.id,
                        FanReport.withdrawn_at.is_(None),
                    )
                    .limit(1)
                )
                if others is None:
                    try:
                        self.cases.transition(
                            item.id,
                            "dismissed",
                            actor=ACTOR,
                            reason=WITHDRAWN_REASON,
                            session=session,
                        )
                        dismissed = True
                    except CaseError:  # pragma: no cover - states checked above
                        dismissed = False
            self.custody.append(
                session,
                actor=ACTOR,
                action="report",
                subject=f"report:{report.id}",
                details={
                    "event": "withdrawn",
                    "number": report.number,
                    "item_id": report.item_id,
                    "item_dismissed": dismissed,
                },
            )
            session.flush()
            return self._status_view(session, report)

    def _unlock(
        self, session: Session, number: str, pin: str
    ) -> tuple[FanReport | None, ReportError | None]:
        """The report when the PIN is right, else why not (a wrong PIN is counted here,
        so the caller must let the transaction commit before refusing)."""
        wanted = normalise_number(number)
        report = (
            session.scalar(select(FanReport).where(FanReport.number == wanted))
            if _NUMBER_RE.fullmatch(wanted)
            else None
        )
        if report is None:
            self._verify(self._dummy(), pin)
            return None, ReportAccessDenied()
        now = utcnow()
        if report.locked_until is not None and report.locked_until > now:
            return None, ReportLocked(int((report.locked_until - now).total_seconds()) + 1)
        if not self._verify(report.pin_hash, pin):
            self._failed(session, report, now)
            return None, ReportAccessDenied()
        if report.pin_failures or report.locked_until is not None:
            report.pin_failures, report.locked_until = 0, None
        return report, None

    def _failed(self, session: Session, report: FanReport, now: datetime) -> None:
        report.pin_failures = (report.pin_failures or 0) + 1
        if report.pin_failures >= MAX_FAILURES:
            report.pin_failures, report.locked_until = 0, now + LOCK_FOR
            self.custody.append(
                session,
                actor=ACTOR,
                action="report",
                subject=f"report:{report.id}",
                details={"event": "locked", "number": report.number, "failures": MAX_FAILURES},
            )

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(8))
        return self._dummy_hash

    def _verify(self, encoded: str, pin: str) -> bool:
        if not isinstance(pin, str):
            return False
        candidate = "".join(pin.split()).replace("-", "")
        if not candidate.isdigit() or len(candidate) > 32:
            candidate = "x"  # still costs the same check
        try:
            return self.hasher.verify(encoded, candidate)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def _visible_item(session: Session, report: FanReport) -> Item | None:
        """The item as far as this report's holder may see it.

        A duplicate follows an item that existed before it: what happened to
        that item before this report arrived (in review, confirmed, removed)
        is not its reporter's to know, or anyone could upload a file and learn
        whether it was reported and acted on. Until the item changes after the
        report, the report reads as just received; staff see the link.
        """
        item = session.get(Item, report.item_id) if report.item_id is not None else None
        if item is None:
            return None
        if report.duplicate_of is not None and item.state_changed_at <= report.created_at:
            return None
        return item

    def _fan_status(self, session: Session, report: FanReport) -> str:
        if report.withdrawn_at is not None:
            return "withdrawn"
        item = self._visible_item(session, report)
        if item is None:
            return "received"
        return _FAN_STATUS.get(item.state, "in_review")

    def _status_view(self, session: Session, report: FanReport) -> ReportStatus:
        item = self._visible_item(session, report)
        status = self._fan_status(session, report)
        times = [report.created_at]
        if item is not None:
            times.append(max(item.state_changed_at, report.created_at))
        if report.withdrawn_at is not None:
            times.append(report.withdrawn_at)
        return ReportStatus(
            number=report.number,
            status=status,
            submitted_at=report.created_at,
            updated_at=max(times),
            withdrawn_at=report.withdrawn_at,
            can_withdraw=report.withdrawn_at is None,
            still_acted_on=(
                report.withdrawn_at is not None and item is not None and item.state in _ACTED_ON
            ),
        )

    # --------------------------------------------------------------- staff
    def list_reports(self, limit: int | None = 100) -> list[ReportView]:
        """Reports, newest first, as staff see them (never the PIN hash)."""
        with self.db.session() as session:
            query = select(FanReport).order_by(FanReport.id.desc())
            if limit is not None:
                query = query.limit(limit)
            return [self._view(session, r) for r in session.scalars(query)]

    def pending_urls(self) -> list[ReportView]:
        """URL-only reports waiting for staff to capture the page (oldest first)."""
        with self.db.session() as session:
            rows = session.scalars(
                select(FanReport)
                .where(
                    FanReport.item_id.is_(None),
                    FanReport.url.is_not(None),
                    FanReport.withdrawn_at.is_(None),
                )
                .order_by(FanReport.id)
            )
            return [self._view(session, r) for r in rows]

    def for_item(self, item_id: int) -> list[ReportView]:
        """The fan reports that opened or joined an item (oldest first), for its review page."""
        with self.db.session() as session:
            rows = session.scalars(
                select(FanReport).where(FanReport.item_id == item_id).order_by(FanReport.id)
            )
            return [self._view(session, r) for r in rows]

    def get(self, number: str) -> ReportView:
        """A report by number, for staff."""
        with self.db.session() as session:
            return self._view(session, self._row(session, number))

    def capture(
        self,
        number: str,
        *,
        actor: str,
        allow_private_addresses: bool = False,
        timeout: float = 20.0,
    ) -> ReportView:
        """Staff: fetch a URL-only report's page and open its item (linked to every report
        of that URL still waiting). Fetching happens here, never in the fan's request."""
        with self.db.session() as session:
            report = self._row(session, number)
            if report.withdrawn_at is not None:
                raise ReportError(f"report {report.number} was withdrawn")
            if report.item_id is not None:
                raise ReportError(f"report {report.number} already has item #{report.item_id}")
            if report.url is None:
                raise ReportError(f"report {report.number} has no address to capture")
            url, artist_id, contact = report.url, report.artist_id, report.contact
            overrides = {
                "reporter": "fan",
                "report": report.number,
                "description": report.description,
                "artist_hint": artist_id,
                "reported_artist": self._reported_artist(artist_id),
            }
        try:
            opened = self.intake.add_url(
                url,
                actor=actor,
                overrides=overrides,
                allow_private_addresses=allow_private_addresses,
                timeout=timeout,
            )
        except (FetchError, IntakeError, MediaError) as exc:
            code = str(exc.code) if isinstance(exc, FetchError) else "not_media"
            self._capture_failed(number, actor=actor, code=code, message=str(exc))
            raise CaptureFailed(code, f"could not capture {url}: {exc}") from exc
        with self.db.session() as session:
            report = self._row(session, number)
            report.capture_failed_at = None
            report.capture_error_code = None
            report.capture_error = None
            item = session.get(Item, opened.item_id)
            if item is not None:
                if item.reporter != "fan" and opened.created:
                    item.reporter = "fan"
                self._fill_item(session, item, artist_id=artist_id, contact=contact)
            linked = self._link_pending(session, url, opened.item_id)
            self.custody.append(
                session,
                actor=actor,
                action="report",
                subject=f"report:{report.id}",
                details={
                    "event": "captured",
                    "number": report.number,
                    "item_id": opened.item_id,
                    "reports_linked": len(linked),
                },
            )
            session.flush()
            return self._view(session, report)

    def _capture_failed(self, number: str, *, actor: str, code: str, message: str) -> None:
        """Keep why a capture failed on the report (shown to staff) and in the custody log."""
        with self.db.session() as session:
            report = self._row(session, number)
            report.capture_failed_at = utcnow()
            report.capture_error_code = code[:32]
            report.capture_error = message[:MAX_CAPTURE_ERROR]
            self.custody.append(
                session,
                actor=actor,
                action="report",
                subject=f"report:{report.id}",
                details={
                    "event": "capture_failed",
                    "number": report.number,
                    "code": code,
                    "error": message[:MAX_CAPTURE_ERROR],
                },
            )

    def _row(self, session: Session, number: str) -> FanReport:
        wanted = normalise_number(number)
        report = session.scalar(select(FanReport).where(FanReport.number == wanted))
        if report is None:
            raise ReportError(f"no report {wanted!r}")
        return report

    def _view(self, session: Session, report: FanReport) -> ReportView:
        item = session.get(Item, report.item_id) if report.item_id is not None else None
        original = (
            session.get(FanReport, report.duplicate_of) if report.duplicate_of is not None else None
        )
        artist = session.get(Artist, report.artist_id) if report.artist_id is not None else None
        return ReportView(
            id=report.id,
            number=report.number,
            status=self._fan_status(session, report),
            item_id=report.item_id,
            item_state=item.state if item is not None else None,
            artist_id=report.artist_id,
            url=report.url,
            sha256=report.sha256,
            description=report.description,
            contact=report.contact,
            language=report.language,
            created_at=report.created_at,
            withdrawn_at=report.withdrawn_at,
            duplicate_of=original.number if original is not None else None,
            artist=artist.name if artist is not None else None,
            capture_failed_at=report.capture_failed_at,
            capture_error_code=report.capture_error_code,
            capture_error=report.capture_error,
        )
