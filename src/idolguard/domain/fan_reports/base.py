"""The shared core of the fan-report service: its collaborators and common lookups.

``FanReportService`` is composed of one part per audience (the fan submitting,
the fan checking or withdrawing, staff working the queue); each part is a
subclass of ``FanReportStore`` so that all of them see the same database,
intake, cases, roster, custody log and PIN hasher.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard.domain.cases import CaseService
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.fan_reports.model import (
    _ACTED_ON,
    _FAN_STATUS,
    ReportError,
    ReportStatus,
    ReportView,
    normalise_number,
)
from idolguard.domain.review.intake import IntakeService
from idolguard.domain.roster import RosterError, RosterService
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, FanReport, Item


class FanReportStore:
    """The services and hasher every part shares, and the lookups of a report and its item."""

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

    def _reported_artist(self, artist_id: int | None) -> dict[str, Any] | None:
        """The fan's chosen artist as the item's source records it (None once off the roster)."""
        if artist_id is None:
            return None
        try:
            artist = self.roster.get(f"#{int(artist_id)}")
        except RosterError:
            return None
        return {"artist_id": artist.id, "name": artist.name}

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
