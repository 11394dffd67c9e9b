"""Who signs an agency's notices: per-agency sender settings, editable by its admins.

A notice is void without its signer's name, signature and contact details, and
a lawyer drafting in the browser cannot edit ``idolguard.toml``. So each agency
keeps its own sender settings (in its own database), edited by its admins in
the web app, the REST API or the CLI. A field the agency has not set falls back
to the installation's ``[notices]`` setting. Every change is written to the
agency's custody chain with who made it and the hashes of the old and new
values, like portal text, because these words end up signed in legal notices.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from idolguard.clock import utc_iso, utcnow
from idolguard.config import NoticeSettings
from idolguard.domain.custody.log import CustodyLog
from idolguard.notices.compose import Sender
from idolguard.storage.database import Database
from idolguard.storage.models import AgencySenderField

# Sender attribute -> its [notices] setting; the order is the form's.
SENDER_FIELDS: Mapping[str, str] = {
    "name": "sender_name",
    "title": "sender_title",
    "organisation": "organisation",
    "email": "email",
    "phone": "phone",
    "address": "address",
    "signature": "signature",
    "requester_type": "requester_type",
    "designation": "designation",
}
REQUESTER_TYPES = ("victim", "representative", "designated_org")
MAX_VALUE = 1000
SUBJECT = "settings:sender"  # the custody-log subject of sender changes


class SenderSettingsError(ValueError):
    """A sender setting was refused; the message says why."""


def _digest(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


@dataclass(frozen=True)
class SenderSettingsView:
    """The agency's stored values, the effective sender, and where each value comes from."""

    stored: dict[str, str]
    effective: Sender
    updated_at: datetime | None
    updated_by: str | None

    def source(self, key: str) -> str:
        """``agency`` (set here), ``installation`` ([notices]) or ``unset``."""
        if key in self.stored:
            return "agency"
        return "installation" if getattr(self.effective, key) else "unset"

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": {
                key: {"value": getattr(self.effective, key), "source": self.source(key)}
                for key in SENDER_FIELDS
            },
            "updated_at": utc_iso(self.updated_at) if self.updated_at else None,
            "updated_by": self.updated_by,
        }


def check_values(values: Mapping[str, str]) -> dict[str, str]:
    """Sender values as given (per notice or for the agency), trimmed and checked."""
    clean: dict[str, str] = {}
    for key, raw in values.items():
        if key not in SENDER_FIELDS:
            raise SenderSettingsError(
                f"unknown sender field {key!r}; fields: {', '.join(SENDER_FIELDS)}"
            )
        text = (raw or "").strip()
        if len(text) > MAX_VALUE:
            raise SenderSettingsError(f"{key} is longer than {MAX_VALUE} characters")
        if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
            raise SenderSettingsError(f"{key} contains control characters")
        if key == "requester_type" and text and text not in REQUESTER_TYPES:
            raise SenderSettingsError(f"requester_type must be one of {', '.join(REQUESTER_TYPES)}")
        clean[key] = text
    return clean


def merged(sender: Sender, values: Mapping[str, str]) -> Sender:
    """``sender`` with the non-empty ``values`` (already checked) put over it."""
    given = {key: text for key, text in check_values(values).items() if text}
    return replace(sender, **given) if given else sender


class SenderSettingsService:
    """One agency's sender settings over the installation's ``[notices]`` fallback."""

    def __init__(self, database: Database, custody: CustodyLog, fallback: NoticeSettings) -> None:
        self.db = database
        self.custody = custody
        self.fallback = fallback

    def view(self) -> SenderSettingsView:
        with self.db.session() as session:
            rows = session.scalars(select(AgencySenderField)).all()
            stored = {row.key: row.value for row in rows if row.key in SENDER_FIELDS}
            latest = max(rows, key=lambda r: r.updated_at, default=None)
            when = latest.updated_at if latest else None
            who = latest.updated_by if latest else None
        effective = merged(Sender.from_settings(self.fallback), stored)
        return SenderSettingsView(stored, effective, when, who)

    def sender(self) -> Sender:
        """The sender new notices are signed with."""
        return self.view().effective

    def update(self, values: Mapping[str, str], *, actor: str) -> SenderSettingsView:
        """Set the given fields; an empty value clears the agency's own (the fallback shows)."""
        clean = check_values(values)
        now = utcnow()
        with self.db.session() as session:
            rows = {r.key: r for r in session.scalars(select(AgencySenderField)).all()}
            changes: dict[str, dict[str, str | None]] = {}
            for key, text in clean.items():
                row = rows.get(key)
                previous = row.value if row is not None else None
                if (text or None) == previous:
                    continue
                if not text and row is not None:
                    session.delete(row)
                elif row is None:
                    session.add(
                        AgencySenderField(key=key, value=text, updated_at=now, updated_by=actor)
                    )
                else:
                    row.value, row.updated_at, row.updated_by = text, now, actor
                changes[key] = {
                    "sha256": _digest(text) if text else None,
                    "previous_sha256": _digest(previous),
                }
            if changes:
                session.flush()
                self.custody.append(
                    session,
                    actor=actor,
                    action="notice",  # the words notices are signed with
                    subject=SUBJECT,
                    details={"event": "set", "fields": changes},
                )
        return self.view()
