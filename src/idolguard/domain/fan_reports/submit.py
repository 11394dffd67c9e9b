"""Submitting a fan report: validation, intake of a file, duplicates collapsed, number and PIN."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.domain.fan_reports.base import FanReportStore
from idolguard.domain.fan_reports.model import (
    ACTOR,
    LANGUAGES,
    MAX_CONTACT,
    MAX_DESCRIPTION,
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    PIN_DIGITS,
    ReportError,
    SubmittedReport,
    _clean_text,
    _sha256_of,
    normalise_url,
)
from idolguard.domain.review.intake import IntakeError
from idolguard.domain.roster import RosterError
from idolguard.media import MediaError
from idolguard.storage.models import FanReport, Item

SUBJECTS = ("content", "account")


class Submissions(FanReportStore):
    """A fan sends a URL or a file: a number and PIN back, an item opened or followed."""

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
        subject: str = "content",
    ) -> SubmittedReport:
        """Record a report; returns its number and PIN (the only time the PIN exists in clear).

        ``subject`` "account" reports a profile that impersonates the artist: it
        needs the profile's address, and staff capture it through the
        impersonation check rather than as a piece of media.
        """
        clean_url = normalise_url(url) if url and url.strip() else None
        if subject not in SUBJECTS:
            raise ReportError(f"subject must be one of {', '.join(SUBJECTS)}")
        if subject == "account" and (clean_url is None or upload is not None):
            raise ReportError("to report an account, give the address of its profile page")
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
                subject=subject,
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
                    "subject": subject,
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

    def _new_number(self) -> str:
        with self.db.session() as session:
            while True:
                number = "R-" + "".join(
                    secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH)
                )
                taken = session.scalar(select(FanReport.id).where(FanReport.number == number))
                if taken is None:
                    return number
