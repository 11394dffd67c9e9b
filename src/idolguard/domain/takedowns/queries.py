"""Reading notices: one, lists, deadlines with escalation routes, time-to-takedown per platform."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from idolguard.domain.takedowns.base import STATUSES, NoticeBase, NoticeError
from idolguard.domain.takedowns.views import (
    OPEN_STATUSES,
    Escalation,
    NoticeView,
    PlatformStats,
    percentile,
)
from idolguard.notices.regimes import REGIMES
from idolguard.storage.models import Notice, NoticeItem


class Queries(NoticeBase):
    """Notices as views: one, a filtered list, what is overdue or due soon, platform stats."""

    def get(self, number: str) -> NoticeView:
        with self.db.session() as session:
            return self._view(session, self._notice(session, number))

    def list_notices(
        self,
        *,
        status: str | None = None,
        case: str | None = None,
        overdue: bool = False,
        platform: str | None = None,
        needs_recipient: bool = False,
        events: bool = False,
    ) -> list[NoticeView]:
        """Notices, newest first; ``events`` adds each one's history.

        ``needs_recipient``: only drafts that wait for a person to name a recipient.
        """
        if status is not None and status not in STATUSES:
            raise NoticeError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
        now = self.clock()
        with self.db.session() as session:
            query = select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc())
            if status is not None:
                query = query.where(Notice.status == status)
            if case is not None:
                query = query.where(Notice.case_id == self._case(session, case).id)
            if platform is not None:
                query = query.where(Notice.platform == platform)
            if overdue:
                query = query.where(Notice.status.in_(OPEN_STATUSES), Notice.due_at < now)
            if needs_recipient:
                query = query.where(Notice.status == "drafted", Notice.recipient == "")
            return [self._view(session, n, events=events) for n in session.scalars(query)]

    def deadlines(self, *, within_hours: float = 24.0) -> tuple[list[Escalation], list[NoticeView]]:
        """Overdue notices with where to escalate, and notices due within ``within_hours``."""
        now = self.clock()
        overdue: list[Escalation] = []
        soon: list[NoticeView] = []
        for view in sorted(self.list_notices(), key=lambda v: v.due_at or now):
            if view.status not in OPEN_STATUSES or view.due_at is None:
                continue
            if view.due_at < now:
                hours = (now - view.due_at).total_seconds() / 3600
                en, ko = self.escalations(view)
                overdue.append(Escalation(view, hours, en, ko))
            elif view.due_at <= now + timedelta(hours=within_hours):
                soon.append(view)
        return overdue, soon

    def escalations(self, view: NoticeView) -> tuple[list[str], list[str]]:
        regime = REGIMES[view.regime]
        en, ko = list(regime.escalation_en), list(regime.escalation_ko)
        entry = self.directory.get(view.platform)
        if entry is not None:
            for authority in self.directory.escalations(entry):
                contact = authority.contacts[0].address if authority.contacts else ""
                en.append(f"Escalate to {authority.name}" + (f": {contact}" if contact else ""))
                ko.append(
                    f"{authority.name_ko or authority.name}에 요청한다"
                    + (f": {contact}" if contact else "")
                )
        if regime.victim_route_en:
            en.append(regime.victim_route_en)
            ko.append(regime.victim_route_ko)
        return en, ko

    def stats(self) -> list[PlatformStats]:
        """Time to takedown per platform: from a notice's send time to its URLs' removal."""
        now = self.clock()
        per: dict[str, dict[str, Any]] = {}
        with self.db.session() as session:
            rows = session.execute(
                select(Notice, NoticeItem)
                .join(NoticeItem, NoticeItem.notice_id == Notice.id)
                .where(Notice.sent_at.is_not(None))
            ).all()
            for notice, link in rows:
                entry = per.setdefault(
                    notice.platform,
                    {"notices": set(), "open": set(), "overdue": set(), "urls": 0, "hours": []},
                )
                entry["notices"].add(notice.id)
                entry["urls"] += 1
                if notice.status in OPEN_STATUSES:
                    entry["open"].add(notice.id)
                    if notice.due_at is not None and notice.due_at < now:
                        entry["overdue"].add(notice.id)
                if link.removed_at is not None and notice.sent_at is not None:
                    elapsed = (link.removed_at - notice.sent_at).total_seconds() / 3600
                    entry["hours"].append(max(0.0, elapsed))
        result = []
        for platform, entry in sorted(per.items()):
            hours = sorted(entry["hours"])
            result.append(
                PlatformStats(
                    platform=platform,
                    notices_sent=len(entry["notices"]),
                    urls_reported=entry["urls"],
                    urls_removed=len(hours),
                    open_notices=len(entry["open"]),
                    overdue_notices=len(entry["overdue"]),
                    median_hours=statistics.median(hours) if hours else None,
                    p90_hours=percentile(hours, 0.9) if hours else None,
                    fastest_hours=hours[0] if hours else None,
                    slowest_hours=hours[-1] if hours else None,
                )
            )
        return result
