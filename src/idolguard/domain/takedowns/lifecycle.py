"""A notice's life after drafting: send, package for web forms, record answers, close.

Each step (sent, acknowledged, removed, rejected, withdrawn) is recorded in the
notice's history and the chain-of-custody log; the e-mail as sent is kept byte
for byte in the evidence store. Deadlines run from when a request became
*valid* (``valid_at``): the send time by default, later if the platform asked
for more before accepting it; the hours come from the regime.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso
from idolguard.domain.takedowns.base import (
    NOTICE_TRANSITIONS,
    SENDABLE_ITEM_STATES,
    STATUSES,
    NoticeBase,
    NoticeError,
)
from idolguard.domain.takedowns.views import OPEN_STATUSES, NoticeView
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.notices.mail import Attachment, MailError, OutgoingMail, send_mail
from idolguard.notices.pdf import render_notice_pdf
from idolguard.notices.regimes import get_regime
from idolguard.storage.models import Notice, NoticeEvent, NoticeItem


class Lifecycle(NoticeBase):
    """Sending, recipients, status changes and removals of stored notices."""

    def send(self, number: str, *, actor: str, resend: bool = False) -> NoticeView:
        """E-mail a drafted notice through ``[smtp]``; the exact bytes sent are kept.

        When the server takes the message and then drops the line before confirming
        it, the notice becomes ``unconfirmed``: it may have arrived. It is never
        sent again on its own; ``resend`` (a person's decision, after asking the
        recipient) sends the same message again under the same Message-ID.
        """
        smtp = self.settings.smtp
        with self.db.session() as session:
            notice = self._notice(session, number)
            if notice.status == "unconfirmed" and not resend:
                raise NoticeError(_unconfirmed_advice(notice.number, notice.recipient))
            self._check_sendable(session, notice, unconfirmed=resend)
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
            again_as = notice.message_id if notice.status == "unconfirmed" else None
        try:
            sent = send_mail(mail, smtp, self.settings.smtp_password, message_id=again_as)
        except MailError as exc:
            if exc.unconfirmed:
                self._record_unconfirmed(notice_id, number, exc, actor=actor)
                raise NoticeError(
                    f"sending {number} is unconfirmed: {exc}. "
                    + _unconfirmed_advice(number, mail.to[0])
                ) from exc
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
                    "again_after_unconfirmed": again_as is not None,
                },
            )
            session.flush()
            return self._view(session, notice)

    def _record_unconfirmed(
        self, notice_id: int, number: str, exc: MailError, *, actor: str
    ) -> None:
        """Keep what went out and mark the notice ``unconfirmed`` (shown, never retried alone)."""
        sha256 = None
        if exc.raw is not None:
            sha256, _ = self.blobs.put_stream(io.BytesIO(exc.raw))
        with self.db.session() as session:
            notice = self._notice(session, number)
            now = self.clock()
            notice.last_error, notice.updated_at = str(exc), now
            notice.message_id = exc.message_id or notice.message_id
            notice.sent_sha256 = sha256 or notice.sent_sha256  # what went out, perhaps delivered
            if notice.status != "unconfirmed":
                self._set_status(
                    session, notice, "unconfirmed", actor=actor, note=str(exc)[:2000], at=now
                )
            self._log(
                session,
                notice_id,
                actor=actor,
                details={
                    "event": "send_unconfirmed",
                    "number": number,
                    "error": str(exc),
                    "message_id": exc.message_id,
                    "sha256": sha256,
                },
            )

    def _check_sendable(
        self, session: Session, notice: Notice, *, unconfirmed: bool = False
    ) -> None:
        """A draft can be sent; an ``unconfirmed`` one too when a person says so."""
        if notice.status != "drafted" and not (unconfirmed and notice.status == "unconfirmed"):
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
            if status == "sent":  # a web-form submission, or an unconfirmed e-mail that arrived
                self._check_sendable(session, notice, unconfirmed=True)
                emailed = notice.status == "unconfirmed"  # its e-mail as sent is kept already
                self._mark_sent(session, notice, actor=actor, at=moment, note=note)
                if not emailed:
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


def _unconfirmed_advice(number: str, recipient: str) -> str:
    return (
        f"{number} is unconfirmed: it may or may not have reached {recipient}. Ask them; "
        f"if it arrived, record it with `idolguard notice mark {number} sent`; if not, send "
        f"it again with `idolguard notice send {number} --resend` (the same Message-ID, so a "
        "copy that did arrive is recognisable as the same notice), or withdraw it"
    )
