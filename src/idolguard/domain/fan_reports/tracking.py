"""The fan's side after submitting: status and withdrawal by number and PIN, with lockout.

Five wrong PINs lock a report; unknown numbers cost the same hash check as
wrong PINs, so the answer never tells which numbers exist.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.domain.cases import CaseError
from idolguard.domain.fan_reports.base import FanReportStore
from idolguard.domain.fan_reports.model import (
    _NUMBER_RE,
    ACTOR,
    LOCK_FOR,
    MAX_FAILURES,
    WITHDRAWN_REASON,
    ReportAccessDenied,
    ReportError,
    ReportLocked,
    ReportStatus,
    normalise_number,
)
from idolguard.storage.models import FanReport, Item


class FanAccess(FanReportStore):
    """What a fan may do with their number and PIN: read the status, withdraw."""

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
