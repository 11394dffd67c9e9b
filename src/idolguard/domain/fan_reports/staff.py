"""Staff's side of fan reports: listing them, finding them by item, capturing URL-only ones."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select

from idolguard.clock import utcnow
from idolguard.domain.fan_reports.base import FanReportStore
from idolguard.domain.fan_reports.model import (
    MAX_CAPTURE_ERROR,
    CaptureFailed,
    ReportError,
    ReportView,
)
from idolguard.domain.review.intake import IntakeError
from idolguard.domain.review.triage import Opened
from idolguard.media import MediaError
from idolguard.sources.fetch import FetchError
from idolguard.storage.models import FanReport, Item


class AccountCapture(Protocol):
    """Captures a reported account's profile page and opens its item (the impersonation check)."""

    def __call__(
        self,
        url: str,
        *,
        actor: str,
        reporter: str,
        reporter_contact: str | None,
        extra: dict[str, Any],
        allow_private_addresses: bool,
        timeout: float,
    ) -> Opened: ...


class StaffQueue(FanReportStore):
    """What staff see and do: the list, pending URLs, capturing a URL-only report."""

    account_capture: AccountCapture | None = None  # set by the application (impersonation)

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
            account = report.subject == "account"
            overrides = {
                "reporter": "fan",
                "report": report.number,
                "description": report.description,
                "artist_hint": artist_id,
                "reported_artist": self._reported_artist(artist_id),
            }
        try:
            if account and self.account_capture is not None:
                opened = self.account_capture(
                    url,
                    actor=actor,
                    reporter="fan",
                    reporter_contact=contact,
                    extra=overrides,
                    allow_private_addresses=allow_private_addresses,
                    timeout=timeout,
                )
            else:
                opened = self.intake.add_url(
                    url,
                    actor=actor,
                    overrides=overrides,
                    allow_private_addresses=allow_private_addresses,
                    timeout=timeout,
                )
        except (FetchError, IntakeError, MediaError, ValueError) as exc:
            code = str(exc.code) if isinstance(exc, FetchError) else "not_media"
            if account and not isinstance(exc, FetchError):
                code = "not_account"
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
