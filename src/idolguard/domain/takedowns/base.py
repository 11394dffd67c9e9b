"""What every part of the notice service shares: statuses, errors, and the service's state.

``NoticeBase`` holds the collaborators (database, settings, cases, custody log,
stores, platform directory, clock, sender) and the helpers every part needs:
finding a notice, turning it into a view, logging to the custody chain. The
parts (``drafting``, ``lifecycle``, ``followups``, ``queries``) build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.config import Settings
from idolguard.domain.cases import CaseError, CaseService
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.takedowns.views import NoticeEventView, NoticeItemView, NoticeView
from idolguard.notices.compose import MissingFieldsError, Sender
from idolguard.notices.directory import DirectoryError, PlatformDirectory
from idolguard.notices.regimes import Regime
from idolguard.platforms import is_web_url, platform_for
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import Case, Item, Notice, NoticeEvent, NoticeItem

STATUSES = (
    "drafted",
    "unconfirmed",  # e-mailed, but the server dropped the line before confirming it
    "sent",
    "acknowledged",
    "removed",
    "rejected",
    "counter_noticed",
    "withdrawn",
)
NOTICE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "drafted": frozenset({"sent", "unconfirmed", "withdrawn"}),
    # Either it arrived (marked sent, or sent again and confirmed) or it is withdrawn.
    "unconfirmed": frozenset({"sent", "withdrawn"}),
    "sent": frozenset({"acknowledged", "removed", "rejected", "counter_noticed", "withdrawn"}),
    "acknowledged": frozenset({"removed", "rejected", "counter_noticed"}),
    "counter_noticed": frozenset({"removed"}),
    "removed": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
}
SENDABLE_ITEM_STATES = ("confirmed", "notice_sent", "reappeared")
REUPLOAD_PARENT_STATES = ("confirmed", "notice_sent", "removed", "reappeared")
WATCH_ACTOR = "system:reupload-watch"
NO_CHANNEL = "none"  # a follow-up drafted without a recipient: a person must name one


class NoticeError(ValueError):
    """A notice operation was refused; the message says why and what to do."""


class NoticeFieldsMissing(NoticeError):
    """Fields the regime requires are missing; ``missing`` lists them (for localised pages)."""

    def __init__(self, error: MissingFieldsError) -> None:
        super().__init__(str(error))
        self.regime = error.regime
        self.missing = error.missing


class NoticeBase:
    """The notice service's state and shared helpers; ``NoticeService`` adds the parts."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        cases: CaseService,
        custody: CustodyLog,
        blobs: BlobStore,
        analysis: AnalysisStore,
        directory: Callable[[], PlatformDirectory],
        clock: Callable[[], datetime] = utcnow,
        sender: Callable[[], Sender] | None = None,
    ) -> None:
        self.db = database
        self.settings = settings
        self.cases = cases
        self.custody = custody
        self.blobs = blobs
        self.analysis = analysis
        self._directory_loader = directory
        self._directory: PlatformDirectory | None = None
        self.clock = clock
        # The agency's sender settings (takedowns.senders), else the installation's [notices].
        self.sender = sender or (lambda: Sender.from_settings(settings.notices))

    @property
    def directory(self) -> PlatformDirectory:
        if self._directory is None:
            try:
                self._directory = self._directory_loader()
            except DirectoryError as exc:
                raise NoticeError(f"the platform directory is invalid: {exc}") from exc
        return self._directory

    def deadline_hours(self, regime: Regime) -> int:
        return regime.deadline_hours(self.settings.notices)

    def _case(self, session: Session, ref: str | int) -> Case:
        try:
            return self.cases.case_row(session, ref)
        except CaseError as exc:
            raise NoticeError(str(exc)) from exc

    def _platform_key(self, url: str) -> str:
        entry = self.directory.for_url(url)
        return entry.key if entry is not None else platform_for(url)

    @staticmethod
    def _address(given: str) -> tuple[str, str]:
        """An e-mail address or a web-form URL given by a person, with its channel."""
        address = given.strip()
        if is_web_url(address):
            return "webform", address
        if "@" in address and not any(c.isspace() for c in address):
            return "email", address
        raise NoticeError(f"--to must be an e-mail address or a web-form URL, not {given!r}")

    @staticmethod
    def _links(session: Session, notice: Notice) -> Iterator[tuple[NoticeItem, Item | None]]:
        """The notice's item links with their items, in the order they were named."""
        links = session.scalars(
            select(NoticeItem).where(NoticeItem.notice_id == notice.id).order_by(NoticeItem.id)
        ).all()
        for link in links:
            yield link, session.get(Item, link.item_id)

    def _log(
        self, session: Session, notice_id: int, *, actor: str, details: dict[str, Any]
    ) -> None:
        self.custody.append(
            session, actor=actor, action="notice", subject=f"notice:{notice_id}", details=details
        )

    def _notice(self, session: Session, number: str | None) -> Notice:
        text = (number or "").strip()
        notice = session.scalar(select(Notice).where(Notice.number == text.upper()))
        if notice is None and text.lstrip("#").isdigit():
            notice = session.get(Notice, int(text.lstrip("#")))
        if notice is None:
            raise NoticeError(f"no notice {text!r} (use its number, e.g. IG-2026-0001-N01)")
        return notice

    def _view(self, session: Session, notice: Notice, *, events: bool = True) -> NoticeView:
        case = session.get(Case, notice.case_id)
        previous = session.get(Notice, notice.follow_up_of) if notice.follow_up_of else None
        items = [
            NoticeItemView(link.item_id, link.url, item.state if item else "?", link.removed_at)
            for link, item in self._links(session, notice)
        ]
        history = []
        if events:
            rows = session.scalars(
                select(NoticeEvent)
                .where(NoticeEvent.notice_id == notice.id)
                .order_by(NoticeEvent.id)
            )
            history = [
                NoticeEventView(r.at, r.actor, r.from_status, r.to_status, r.note) for r in rows
            ]
        return NoticeView(
            id=notice.id,
            number=notice.number,
            case_number=case.number if case else "?",
            regime=notice.regime,
            platform=notice.platform,
            channel=notice.channel,
            recipient=notice.recipient,
            language=notice.language,
            category=notice.category,
            status=notice.status,
            subject=notice.subject,
            body=notice.body,
            package=dict(notice.fields or {}),
            auto=notice.auto,
            follow_up_of=previous.number if previous else None,
            created_by=notice.created_by,
            created_at=notice.created_at,
            sent_at=notice.sent_at,
            valid_at=notice.valid_at,
            due_at=notice.due_at,
            acknowledged_at=notice.acknowledged_at,
            closed_at=notice.closed_at,
            reference=notice.reference,
            message_id=notice.message_id,
            sent_sha256=notice.sent_sha256,
            last_error=notice.last_error,
            items=items,
            events=history,
        )
