"""Takedown notices: draft from a confirmed case, send, track to removal, follow re-uploads.

Detection is worth nothing until the content is gone, and a notice is a legal
act: so every notice is drafted from the case's evidence with every field its
regime requires (``notices.compose`` refuses gaps), stored with its exact text,
linked to the items it names, and each step (drafted, sent, acknowledged,
removed, rejected) is recorded in its history and the chain-of-custody log.
The e-mail as sent is kept byte for byte in the evidence store.

Deadlines run from when a request became *valid* (``valid_at``): the send time
by default, later if the platform asked for more before accepting it. The
TAKE IT DOWN Act's 48 hours are statutory; other regimes' clocks come from
``[notices]``. Overdue notices come with escalation routes (the FTC, KCSC,
the DSA's complaint routes) taken from the regime and the platform directory.

Re-uploads: when a new item matches confirmed content, or a removed URL serves
the content again, a follow-up notice is drafted automatically, citing the
earlier one, and waits for a person to review and send it.
"""

from __future__ import annotations

import io
import logging
import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso, utcnow
from idolguard.config import Settings
from idolguard.domain.cases import CaseError, CaseService
from idolguard.domain.custody import CustodyLog
from idolguard.domain.notice_views import (
    OPEN_STATUSES,
    Escalation,
    NoticeEventView,
    NoticeItemView,
    NoticeView,
    PlatformStats,
    percentile,
)
from idolguard.domain.senders import SenderSettingsError, merged
from idolguard.domain.triage import Opened
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.notices.compose import (
    MissingFieldsError,
    NoticeRequest,
    Sender,
    Target,
    compose,
)
from idolguard.notices.directory import DirectoryError, Platform, PlatformDirectory
from idolguard.notices.mail import Attachment, MailError, OutgoingMail, send_mail
from idolguard.notices.pdf import render_notice_pdf
from idolguard.notices.regimes import (
    CATEGORIES,
    REGIMES,
    Regime,
    RegimeError,
    get_regime,
    suggest_regimes,
    unsuitable_reason,
)
from idolguard.sources.web import is_web_url, platform_for
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import (
    Artist,
    Case,
    Evidence,
    Item,
    ItemEvent,
    Notice,
    NoticeEvent,
    NoticeItem,
)

log = logging.getLogger(__name__)

STATUSES = (
    "drafted",
    "sent",
    "acknowledged",
    "removed",
    "rejected",
    "counter_noticed",
    "withdrawn",
)
NOTICE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "drafted": frozenset({"sent", "withdrawn"}),
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


class NoticeService:
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
        # The agency's sender settings (domain.senders), else the installation's [notices].
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
        if regime.statutory_deadline_hours is not None:
            return regime.statutory_deadline_hours
        notices = self.settings.notices
        configured = {
            "dmca": notices.dmca_deadline_hours,
            "dsa": notices.dsa_deadline_hours,
            "kr_tba": notices.kr_deadline_hours,
            "kcsc": notices.kcsc_deadline_hours,
        }
        return configured[regime.key]

    # ----------------------------------------------------------------- draft
    def draft(
        self,
        case_ref: str | int,
        *,
        actor: str,
        regime: str | None = None,
        platform: str | None = None,
        item_ids: Sequence[int] = (),
        recipient: str | None = None,
        category: str | None = None,
        owns_copyright: bool | None = None,
        copyrighted_work: str | None = None,
        explanation: str | None = None,
        overrides: Mapping[str, str] | None = None,
        language: str | None = None,
        follow_up_of: str | None = None,
        auto: bool = False,
        sender_fields: Mapping[str, str] | None = None,
    ) -> list[NoticeView]:
        """Draft one notice per platform for the case's items; nothing is stored if any fails.

        An automatic follow-up (``auto``) whose platform has no directory contact
        is still drafted, without a recipient: it waits as a task that needs one
        (``needs_recipient``) instead of being lost in a log line.
        """
        if category is not None and category not in CATEGORIES:
            raise NoticeError(f"category must be one of {', '.join(CATEGORIES)}")
        language = language or self.settings.notices.language
        if language not in ("ko", "en", "ko+en"):
            raise NoticeError("language must be ko, en or ko+en")
        owns = self.settings.notices.owns_copyright if owns_copyright is None else owns_copyright
        with self.db.session() as session:
            case = self._case(session, case_ref)
            items = self._items_for(session, case, item_ids, auto=auto)
            groups = self._by_platform(items, platform)
            previous = self._notice(session, follow_up_of) if follow_up_of else None
            sender = self._sender(sender_fields)
            person = self._person(session, case)
            drafted: list[Notice] = []
            for key, group in groups.items():
                entry = self.directory.get(key)
                results = {i.id: self.analysis.stored_results(i.media_sha256)[0] for i in group}
                content = category or self._category(results.values())
                chosen = self._regime_for(regime, entry, content, owns)
                channel, address = self._recipient(chosen, entry, key, recipient, optional=auto)
                number = self._next_number(session, case)
                now = self.clock()
                request = NoticeRequest(
                    regime=chosen.key,
                    number=number,
                    case_number=case.number,
                    platform=self._platform_label(entry, key),
                    category=content,
                    person=person,
                    targets=tuple(self._target(session, i, results[i.id]) for i in group),
                    sender=sender,
                    date=now,
                    language=language,
                    copyrighted_work=copyrighted_work,
                    explanation=explanation,
                    follow_up_of=previous.number if previous else None,
                    overrides=dict(overrides or {}),
                )
                try:
                    composed = compose(request)
                except MissingFieldsError as exc:
                    raise NoticeFieldsMissing(exc) from exc
                except ValueError as exc:  # an unknown --field
                    raise NoticeError(str(exc)) from exc
                notice = Notice(
                    number=number,
                    case_id=case.id,
                    regime=chosen.key,
                    platform=key,
                    channel=channel,
                    recipient=address,
                    language=language,
                    category=content,
                    status="drafted",
                    fields=composed.package(request),
                    subject=composed.subject,
                    body=composed.body,
                    body_sha256=sha256_hex(composed.body.encode("utf-8")),
                    follow_up_of=previous.id if previous else None,
                    auto=auto,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
                session.add(notice)
                session.flush()
                for item in group:
                    session.add(NoticeItem(notice_id=notice.id, item_id=item.id, url=item.location))
                session.add(
                    NoticeEvent(
                        notice_id=notice.id,
                        at=now,
                        actor=actor,
                        to_status="drafted",
                        note=self._auto_note(address) if auto else None,
                    )
                )
                self._log(
                    session,
                    notice.id,
                    actor=actor,
                    details={
                        "event": "drafted",
                        "number": number,
                        "regime": chosen.key,
                        "platform": key,
                        "recipient": address,
                        "items": [item.id for item in group],
                        "body_sha256": notice.body_sha256,
                        "follow_up_of": request.follow_up_of,
                    },
                )
                session.flush()
                drafted.append(notice)
            return [self._view(session, notice) for notice in drafted]

    def _sender(self, fields: Mapping[str, str] | None) -> Sender:
        """The agency's sender with this notice's own values (from the draft form) over it."""
        try:
            return merged(self.sender(), fields or {})
        except SenderSettingsError as exc:
            raise NoticeError(str(exc)) from exc

    def _case(self, session: Session, ref: str | int) -> Case:
        try:
            return self.cases.case_row(session, ref)
        except CaseError as exc:
            raise NoticeError(str(exc)) from exc

    def _items_for(
        self, session: Session, case: Case, item_ids: Sequence[int], *, auto: bool
    ) -> list[Item]:
        if item_ids:
            items = []
            for item_id in item_ids:
                item = session.get(Item, item_id)
                if item is None:
                    raise NoticeError(f"no item #{item_id}")
                if item.case_id != case.id:
                    raise NoticeError(
                        f"item {item_id} is not in case {case.number}: "
                        f"attach it first (idolguard case attach {case.number} {item_id})"
                    )
                if not auto and item.state not in SENDABLE_ITEM_STATES:
                    raise NoticeError(
                        f"item {item_id} is {item.state}: only confirmed content is noticed "
                        f"(idolguard review confirm {item_id} --reason ...)"
                    )
                items.append(item)
        else:
            items = list(
                session.scalars(
                    select(Item)
                    .where(Item.case_id == case.id, Item.state.in_(["confirmed", "reappeared"]))
                    .order_by(Item.id)
                )
            )
            if not items:
                raise NoticeError(
                    f"case {case.number} has no confirmed items awaiting a notice; "
                    "confirm items in review, or name items with --item"
                )
        with_url = [i for i in items if is_web_url(i.location)]
        if not with_url:
            raise NoticeError(
                "none of these items has a web address: a notice must say where the content "
                "is. Capture the URL (idolguard capture URL) or add the file with "
                "`idolguard item add FILE --url URL`"
            )
        return with_url

    def _platform_key(self, url: str) -> str:
        entry = self.directory.for_url(url)
        return entry.key if entry is not None else platform_for(url)

    def _by_platform(self, items: list[Item], only: str | None) -> dict[str, list[Item]]:
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(self._platform_key(item.location), []).append(item)
        if only is not None:
            if only not in groups:
                raise NoticeError(
                    f"no item of this case is on platform {only!r}; "
                    f"platforms: {', '.join(sorted(groups))}"
                )
            groups = {only: groups[only]}
        return groups

    def _category(self, results: Iterable[Mapping[str, Any]]) -> str:
        """Intimate when any item's explicitness reaches the threshold that blurs it."""
        threshold = self.settings.review.blur_explicit
        for result in results:
            score = float((result.get("explicit") or {}).get("score") or 0.0)
            if score >= threshold:
                return "intimate"
        return "non_intimate"

    def _regime_for(
        self, requested: str | None, entry: Platform | None, category: str, owns: bool
    ) -> Regime:
        if requested is not None:
            try:
                chosen = get_regime(requested)
            except RegimeError as exc:
                raise NoticeError(str(exc)) from exc
            reason = unsuitable_reason(chosen, category=category, owns_copyright=owns)
            if reason:
                raise NoticeError(reason)
            return chosen
        regimes = entry.regimes if entry is not None else ("take_it_down", "dsa", "dmca")
        korean = entry is not None and entry.country == "KR"
        fitting = suggest_regimes(
            tuple(r for r in regimes if r != "kcsc"),
            category=category,
            owns_copyright=owns,
            korean=korean,
        )
        if not fitting:
            name = entry.name if entry else "this platform"
            raise NoticeError(
                f"no regime fits: {name} answers to {', '.join(regimes)} and the content is "
                f"{category}; choose one with --regime (see `idolguard notice regimes`)"
            )
        return REGIMES[fitting[0]]

    @staticmethod
    def _auto_note(address: str) -> str:
        if address:
            return "re-upload follow-up, drafted automatically"
        return "re-upload follow-up, drafted automatically: needs a recipient"

    @staticmethod
    def _address(given: str) -> tuple[str, str]:
        """An e-mail address or a web-form URL given by a person, with its channel."""
        address = given.strip()
        if is_web_url(address):
            return "webform", address
        if "@" in address and not any(c.isspace() for c in address):
            return "email", address
        raise NoticeError(f"--to must be an e-mail address or a web-form URL, not {given!r}")

    def _recipient(
        self,
        regime: Regime,
        entry: Platform | None,
        key: str,
        given: str | None,
        *,
        optional: bool = False,
    ) -> tuple[str, str]:
        if given:
            return self._address(given)
        target = self.directory.get("kcsc") if regime.key == "kcsc" else entry
        contact = target.contact_for(regime.key) if target is not None else None
        if contact is None and optional:
            return NO_CHANNEL, ""
        if contact is None:
            where = target.name if target is not None else key
            raise NoticeError(
                f"the platform directory ({self.directory.source}) has no contact for {where} "
                f"under {regime.key}; pass --to ADDRESS (e-mail or web-form URL), or add one "
                "to the directory ([notices] directory_file)"
            )
        return contact.channel, contact.address

    @staticmethod
    def _platform_label(entry: Platform | None, key: str) -> str:
        return entry.name if entry is not None else key

    def _person(self, session: Session, case: Case) -> str | None:
        artist = session.get(Artist, case.artist_id) if case.artist_id is not None else None
        if artist is None:
            return None
        return f"{artist.name} ({artist.group_name})" if artist.group_name else artist.name

    def _target(self, session: Session, item: Item, results: Mapping[str, Any]) -> Target:
        evidence = session.scalar(
            select(Evidence).where(Evidence.item_id == item.id).order_by(Evidence.id.desc())
        )
        media = self.cases.media_type_of(session, item.media_sha256)
        return Target(
            item_id=item.id,
            url=item.location,
            sha256=item.media_sha256,
            media_type=media,
            first_seen=item.opened_at,
            pdq=(results.get("pdq") or {}).get("hash"),
            manifest_sha256=evidence.manifest_sha256 if evidence else None,
            timestamped_at=evidence.timestamp_time if evidence else None,
            original_stored=self.blobs.contains(item.media_sha256),
            reviewed=self._reviewed(session, item.id),
        )

    @staticmethod
    def _reviewed(session: Session, item_id: int) -> bool:
        """A reviewer's confirm decision is in the item's history (not just a matching hash)."""
        confirmed = session.scalar(
            select(func.count())
            .select_from(ItemEvent)
            .where(ItemEvent.item_id == item_id, ItemEvent.to_state == "confirmed")
        )
        return bool(confirmed)

    @staticmethod
    def _next_number(session: Session, case: Case) -> str:
        count = session.scalar(select(func.count()).where(Notice.case_id == case.id)) or 0
        return f"{case.number}-N{count + 1:02d}"

    # ----------------------------------------------------------------- send
    def send(self, number: str, *, actor: str) -> NoticeView:
        """E-mail a drafted notice through ``[smtp]``; the exact bytes sent are kept."""
        smtp = self.settings.smtp
        with self.db.session() as session:
            notice = self._notice(session, number)
            self._check_sendable(session, notice)
            if notice.channel != "email":
                raise NoticeError(
                    f"{notice.platform} takes {notice.regime} notices through a web form "
                    f"({notice.recipient}): write the package with `idolguard notice package "
                    f"{notice.number} --out DIR`, submit it there, then record it with "
                    f"`idolguard notice mark {notice.number} sent --reference TICKET`"
                )
            if not smtp.host:
                raise NoticeError("e-mail sending is off: set [smtp] host (and port, security)")
            signer = self.sender()
            sender_address = smtp.from_address or signer.email
            if not sender_address:
                raise NoticeError(
                    "no sender address: set [smtp] from_address, or the agency's sender e-mail"
                )
            display = signer.organisation or signer.name
            mail = OutgoingMail(
                sender=f"{display} <{sender_address}>" if display else sender_address,
                to=(notice.recipient,),
                subject=notice.subject,
                body=notice.body,
                reply_to=signer.email or None,
                attachments=self._attachments(notice),
                headers=(("X-IdolGuard-Notice", notice.number),),
            )
            notice_id, number = notice.id, notice.number
        try:
            sent = send_mail(mail, smtp, self.settings.smtp_password)
        except MailError as exc:
            with self.db.session() as session:
                notice = self._notice(session, number)
                notice.last_error, notice.updated_at = str(exc), self.clock()
                self._log(
                    session,
                    notice_id,
                    actor=actor,
                    details={"event": "send_failed", "number": number, "error": str(exc)},
                )
            again = "" if exc.permanent else " (a temporary failure: try again later)"
            raise NoticeError(f"sending {number} failed: {exc}{again}") from exc
        self.blobs.put_stream(io.BytesIO(sent.raw), expected_sha256=sent.sha256)
        with self.db.session() as session:
            notice = self._notice(session, number)
            notice.message_id = sent.message_id
            notice.sent_sha256 = sent.sha256
            notice.last_error = (
                "refused by the server: " + "; ".join(f"{k}: {v}" for k, v in sent.refused.items())
                if sent.refused
                else None
            )
            self._mark_sent(session, notice, actor=actor, at=sent.sent_at, note=None)
            self._log(
                session,
                notice_id,
                actor=actor,
                details={
                    "event": "sent",
                    "number": number,
                    "channel": "email",
                    "recipient": notice.recipient,
                    "message_id": sent.message_id,
                    "sha256": sent.sha256,
                    "server": sent.server,
                    "accepted": list(sent.accepted),
                    "due_at": utc_iso(notice.due_at) if notice.due_at else None,
                },
            )
            session.flush()
            return self._view(session, notice)

    @staticmethod
    def _links(session: Session, notice: Notice) -> Iterator[tuple[NoticeItem, Item | None]]:
        """The notice's item links with their items, in the order they were named."""
        links = session.scalars(
            select(NoticeItem).where(NoticeItem.notice_id == notice.id).order_by(NoticeItem.id)
        ).all()
        for link in links:
            yield link, session.get(Item, link.item_id)

    def _check_sendable(self, session: Session, notice: Notice) -> None:
        if notice.status != "drafted":
            raise NoticeError(f"{notice.number} is {notice.status}; only a draft can be sent")
        if not notice.recipient:
            raise NoticeError(
                f"{notice.number} has no recipient yet: set one with `idolguard notice "
                f"recipient {notice.number} ADDRESS` (e-mail or web-form URL) or on its page"
            )
        for _link, item in self._links(session, notice):
            if item is not None and item.state not in SENDABLE_ITEM_STATES:
                raise NoticeError(
                    f"item {item.id} in {notice.number} is {item.state}: a reviewer must "
                    f"confirm it first (idolguard review confirm {item.id} --reason ...)"
                )

    def _attachments(self, notice: Notice) -> tuple[Attachment, ...]:
        pdf = render_notice_pdf(notice.number, notice.subject, notice.body, notice.created_at)
        return (
            Attachment(f"{notice.number}.pdf", "application/pdf", pdf),
            Attachment(f"{notice.number}.json", "application/json", canonical_json(notice.fields)),
        )

    def _mark_sent(
        self, session: Session, notice: Notice, *, actor: str, at: datetime, note: str | None
    ) -> None:
        self._set_status(session, notice, "sent", actor=actor, note=note, at=at)
        notice.sent_at = at
        self._start_clock(notice, at)
        for _link, item in self._links(session, notice):
            if item is not None and item.state in ("confirmed", "reappeared"):
                self.cases.transition(
                    item.id,
                    "notice_sent",
                    actor=actor,
                    reason=f"notice {notice.number} sent",
                    session=session,
                )

    def _start_clock(self, notice: Notice, valid_at: datetime) -> None:
        """The deadline runs from when the request became valid."""
        notice.valid_at = valid_at
        notice.due_at = valid_at + timedelta(hours=self.deadline_hours(get_regime(notice.regime)))

    def package(self, number: str, out_dir: Path, *, actor: str) -> list[Path]:
        """Write the notice for a web form: PDF, JSON and plain text, named by its number."""
        with self.db.session() as session:
            notice = self._notice(session, number)
            folder = out_dir / notice.number
            folder.mkdir(parents=True, exist_ok=True)
            pdf, package = self._attachments(notice)
            files = {
                folder / pdf.filename: pdf.data,
                folder / package.filename: package.data,
                folder / f"{notice.number}.txt": f"{notice.subject}\n\n{notice.body}".encode(),
            }
            for path, data in files.items():
                path.write_bytes(data)
            self._log(
                session,
                notice.id,
                actor=actor,
                details={
                    "event": "packaged",
                    "number": notice.number,
                    "files": {p.name: sha256_hex(d) for p, d in files.items()},
                },
            )
            return list(files)

    def set_recipient(self, number: str, address: str, *, actor: str) -> NoticeView:
        """Name (or correct) the recipient of a draft, e.g. a follow-up that needs one."""
        channel, recipient = self._address(address)
        now = self.clock()
        with self.db.session() as session:
            notice = self._notice(session, number)
            if notice.status != "drafted":
                raise NoticeError(
                    f"{notice.number} is {notice.status}; only a draft's recipient can change"
                )
            previous = notice.recipient
            notice.channel, notice.recipient, notice.updated_at = channel, recipient, now
            session.add(
                NoticeEvent(
                    notice_id=notice.id,
                    at=now,
                    actor=actor,
                    from_status="drafted",
                    to_status="drafted",
                    note=f"recipient set: {recipient}",
                )
            )
            self._log(
                session,
                notice.id,
                actor=actor,
                details={
                    "event": "recipient",
                    "number": notice.number,
                    "recipient": recipient,
                    "channel": channel,
                    "previous": previous or None,
                },
            )
            session.flush()
            return self._view(session, notice)

    # ----------------------------------------------------------------- tracking
    def mark(
        self,
        number: str,
        status: str,
        *,
        actor: str,
        note: str | None = None,
        reference: str | None = None,
        at: datetime | None = None,
        valid_at: datetime | None = None,
    ) -> NoticeView:
        """Record the platform's answer (or a web-form submission, as ``sent``)."""
        if status not in STATUSES:
            raise NoticeError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
        moment = at or self.clock()
        with self.db.session() as session:
            notice = self._notice(session, number)
            if status == "sent":
                self._check_sendable(session, notice)
                self._mark_sent(session, notice, actor=actor, at=moment, note=note)
                notice.sent_sha256 = sha256_hex(canonical_json(notice.fields))
            else:
                self._set_status(session, notice, status, actor=actor, note=note, at=moment)
            if reference:
                notice.reference = reference.strip()
            if status == "acknowledged":
                notice.acknowledged_at = moment
            if valid_at is not None:
                if notice.sent_at is None:
                    raise NoticeError("a notice that was not sent has no deadline to move")
                self._start_clock(notice, valid_at)
            if status == "removed":
                self._close_removed(session, notice, actor=actor, at=moment)
            elif status in ("rejected", "withdrawn"):
                notice.closed_at = moment
                self._release_items(session, notice, actor=actor)
            self._log(
                session,
                notice.id,
                actor=actor,
                details={
                    "event": status,
                    "number": notice.number,
                    "note": note,
                    "reference": notice.reference,
                    "at": utc_iso(moment),
                    "due_at": utc_iso(notice.due_at) if notice.due_at else None,
                },
            )
            session.flush()
            return self._view(session, notice)

    def _set_status(
        self,
        session: Session,
        notice: Notice,
        status: str,
        *,
        actor: str,
        note: str | None,
        at: datetime,
    ) -> None:
        if status not in NOTICE_TRANSITIONS[notice.status]:
            allowed = ", ".join(sorted(NOTICE_TRANSITIONS[notice.status])) or "none"
            raise NoticeError(
                f"{notice.number} is {notice.status}; it can move to: {allowed} (not {status})"
            )
        session.add(
            NoticeEvent(
                notice_id=notice.id,
                at=at,
                actor=actor,
                from_status=notice.status,
                to_status=status,
                note=note,
            )
        )
        notice.status, notice.updated_at = status, at

    def _close_removed(self, session: Session, notice: Notice, *, actor: str, at: datetime) -> None:
        notice.closed_at = at
        for link, item in self._links(session, notice):
            if link.removed_at is None:
                link.removed_at = at
            if item is not None and item.state == "notice_sent":
                self.cases.transition(
                    item.id,
                    "removed",
                    actor=actor,
                    reason=f"removed after notice {notice.number}",
                    session=session,
                )

    def _release_items(self, session: Session, notice: Notice, *, actor: str) -> None:
        """Items of a rejected or withdrawn notice go back to confirmed, ready for another route."""
        for _link, item in self._links(session, notice):
            if item is None or item.state != "notice_sent":
                continue
            still_open = session.scalar(
                select(func.count())
                .select_from(NoticeItem)
                .join(Notice, Notice.id == NoticeItem.notice_id)
                .where(
                    NoticeItem.item_id == item.id,
                    Notice.id != notice.id,
                    Notice.status.in_(OPEN_STATUSES),
                )
            )
            if not still_open:
                self.cases.transition(
                    item.id,
                    "confirmed",
                    actor=actor,
                    reason=f"notice {notice.number} {notice.status}",
                    session=session,
                )

    def record_removal(
        self, session: Session, item_id: int, *, at: datetime, actor: str, detail: str
    ) -> list[str]:
        """A liveness check saw the item's URL gone: stamp open notices, close finished ones."""
        closed: list[str] = []
        links = session.scalars(
            select(NoticeItem)
            .join(Notice, Notice.id == NoticeItem.notice_id)
            .where(NoticeItem.item_id == item_id, Notice.status.in_(OPEN_STATUSES))
        ).all()
        for link in links:
            if link.removed_at is None:
                link.removed_at = at
        session.flush()
        for notice_id in sorted({link.notice_id for link in links}):
            notice = session.get(Notice, notice_id)
            assert notice is not None
            pending = session.scalar(
                select(func.count())
                .select_from(NoticeItem)
                .where(NoticeItem.notice_id == notice_id, NoticeItem.removed_at.is_(None))
            )
            if pending:
                continue
            self._set_status(session, notice, "removed", actor=actor, note=detail, at=at)
            notice.closed_at = at
            self._log(
                session,
                notice.id,
                actor=actor,
                details={"event": "removed", "number": notice.number, "detail": detail},
            )
            closed.append(notice.number)
        return closed

    # ----------------------------------------------------------------- re-upload watch
    def on_item_opened(self, opened: Opened) -> None:
        """Triage hook: a new item that re-uploads confirmed content gets a follow-up draft."""
        if not opened.created:
            return
        with self.db.session() as session:
            item = session.get(Item, opened.item_id)
            if item is None or item.parent_id is None or item.case_id is None:
                return
            parent = session.get(Item, item.parent_id)
            if parent is None or parent.state not in REUPLOAD_PARENT_STATES:
                return
            item_id, parent_id = item.id, parent.id
        self.follow_up(item_id, previous_item_id=parent_id)

    def follow_up(self, item_id: int, *, previous_item_id: int | None = None) -> list[NoticeView]:
        """Draft a follow-up notice for ``item_id`` citing the last notice on the same content."""
        with self.db.session() as session:
            item = session.get(Item, item_id)
            if item is None or item.case_id is None:
                return []
            if not is_web_url(item.location):
                return []
            earlier = session.scalar(
                select(Notice)
                .join(NoticeItem, NoticeItem.notice_id == Notice.id)
                .where(
                    NoticeItem.item_id.in_([i for i in (previous_item_id, item_id) if i]),
                    Notice.status != "withdrawn",
                )
                .order_by(Notice.created_at.desc(), Notice.id.desc())
                .limit(1)
            )
            case_id = item.case_id
            # The earlier notice's reviewer-confirmed regime and category carry over: the
            # content is the same, so what made that notice fit still holds. So does its
            # recipient when the re-upload is on the same platform (it may have been given
            # with --to, with no directory entry to find it again).
            regime = earlier.regime if earlier is not None else None
            category = earlier.category if earlier is not None else None
            previous = earlier.number if earlier is not None else None
            same_platform = earlier is not None and earlier.platform == self._platform_key(
                item.location
            )
            recipient = earlier.recipient or None if earlier is not None and same_platform else None
        try:
            drafts = self.draft(
                case_id,
                actor=WATCH_ACTOR,
                regime=regime,
                category=category,
                item_ids=[item_id],
                recipient=recipient,
                follow_up_of=previous,
                auto=True,
            )
        except NoticeError as exc:
            log.warning("re-upload of item %s: no follow-up notice drafted: %s", item_id, exc)
            return []
        for view in drafts:
            if view.needs_recipient:
                log.warning(
                    "re-upload of item %s: follow-up notice %s drafted; it needs a recipient",
                    item_id,
                    view.number,
                )
            else:
                log.info("re-upload of item %s: follow-up notice %s drafted", item_id, view.number)
        return drafts

    def _log(
        self, session: Session, notice_id: int, *, actor: str, details: dict[str, Any]
    ) -> None:
        self.custody.append(
            session, actor=actor, action="notice", subject=f"notice:{notice_id}", details=details
        )

    # ----------------------------------------------------------------- reading
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
