"""Retention: keep evidence as long as it is needed, and no longer.

Items are deleted a configured number of days after their last state change
(``[retention]``, per state; 0 keeps them). Deleting removes the item, its
evidence manifests and, when nothing else refers to it, the stored original;
the custody log keeps a ``delete`` entry with the hashes of what went, so the
deletion itself is accountable. Fans' contact details are dropped earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.config import RetentionSettings
from idolguard.domain.cases import STATES
from idolguard.domain.custody.log import CustodyLog
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import ArtistPhoto, BankContent, Evidence, FanReport, Item

OPEN_STATES = frozenset({"new", "in_review", "reappeared", "confirmed", "notice_sent"})


@dataclass
class RetentionReport:
    deleted_items: list[int] = field(default_factory=list)
    deleted_originals: list[str] = field(default_factory=list)
    contacts_purged: list[int] = field(default_factory=list)
    report_contacts_purged: list[str] = field(default_factory=list)  # fan report numbers
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "deleted_items": self.deleted_items,
            "deleted_originals": self.deleted_originals,
            "contacts_purged": self.contacts_purged,
            "report_contacts_purged": self.report_contacts_purged,
        }


class RetentionService:
    def __init__(
        self, database: Database, blobs: BlobStore, custody: CustodyLog, rules: RetentionSettings
    ) -> None:
        self.db = database
        self.blobs = blobs
        self.custody = custody
        self.rules = rules

    def apply(self, *, actor: str, dry_run: bool = False) -> RetentionReport:
        report = RetentionReport(dry_run=dry_run)
        released: set[str] = set()  # originals of deleted items, kept if still referenced
        now = utcnow()
        with self.db.session() as session:
            for state in STATES:
                days = self.rules.days_for(state)
                if days <= 0:
                    continue
                cutoff = now - timedelta(days=days)
                expired = list(
                    session.scalars(
                        select(Item).where(Item.state == state, Item.state_changed_at < cutoff)
                    )
                )
                for item in expired:
                    report.deleted_items.append(item.id)
                    if dry_run:
                        continue
                    released.add(item.media_sha256)
                    manifests = list(
                        session.scalars(
                            select(Evidence.manifest_sha256).where(Evidence.item_id == item.id)
                        )
                    )
                    self.custody.append(
                        session,
                        actor=actor,
                        action="delete",
                        subject=f"item:{item.id}",
                        details={
                            "rule": f"{state} after {days} days",
                            "sha256": item.media_sha256,
                            "location": item.location,
                            "evidence_manifests": manifests,
                        },
                    )
                    session.delete(item)
            if self.rules.reporter_contact_days > 0:
                cutoff = now - timedelta(days=self.rules.reporter_contact_days)
                for item in session.scalars(
                    select(Item).where(
                        Item.reporter_contact.is_not(None),
                        Item.state.not_in(OPEN_STATES),
                        Item.state_changed_at < cutoff,
                    )
                ):
                    report.contacts_purged.append(item.id)
                    if not dry_run:
                        item.reporter_contact = None
                        self.custody.append(
                            session,
                            actor=actor,
                            action="delete",
                            subject=f"item:{item.id}",
                            details={"rule": "reporter contact", "field": "reporter_contact"},
                        )
                self._purge_report_contacts(session, cutoff, report, actor, dry_run)
            session.flush()
            if dry_run:
                session.rollback()
                return report
            referenced: set[str | None] = (
                set(session.scalars(select(Item.media_sha256)))
                | set(session.scalars(select(BankContent.media_sha256)))
                | set(session.scalars(select(ArtistPhoto.sha256)))
            )
        for sha256 in sorted(released - referenced):
            if self.blobs.delete(sha256):
                report.deleted_originals.append(sha256)
                self.custody.record(
                    actor=actor,
                    action="delete",
                    subject=f"media:{sha256[:16]}",
                    details={"sha256": sha256, "what": "evidentiary copy"},
                )
        return report

    def _purge_report_contacts(
        self,
        session: Session,
        cutoff: datetime,
        report: RetentionReport,
        actor: str,
        dry_run: bool,
    ) -> None:
        """Fans' contacts on their reports go by the same rule as on items.

        A report's contact is kept while its item is still being worked on (the
        agency may need to ask the fan something); a report without an item, or
        whose item is closed or gone, keeps it ``reporter_contact_days`` after
        it was made.
        """
        query = (
            select(FanReport)
            .outerjoin(Item, Item.id == FanReport.item_id)
            .where(
                FanReport.contact.is_not(None),
                FanReport.created_at < cutoff,
                or_(Item.id.is_(None), Item.state.not_in(OPEN_STATES)),
            )
        )
        for fan_report in session.scalars(query):
            report.report_contacts_purged.append(fan_report.number)
            if not dry_run:
                fan_report.contact = None
                self.custody.append(
                    session,
                    actor=actor,
                    action="delete",
                    subject=f"report:{fan_report.id}",
                    details={"rule": "reporter contact", "field": "contact"},
                )
