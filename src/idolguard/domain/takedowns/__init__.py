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

The package follows that loop: ``drafting`` (and ``followups`` for re-uploads),
``lifecycle`` (send, answers, removal), ``queries`` (lists, deadlines, stats),
``views`` (what callers read), ``watch`` (URL liveness checks), ``senders``
(the agency's signer settings). ``NoticeService`` (``service``) composes the
parts into the one object the application holds.
"""

from __future__ import annotations

from idolguard.domain.takedowns.base import (
    NO_CHANNEL,
    NOTICE_TRANSITIONS,
    REUPLOAD_PARENT_STATES,
    SENDABLE_ITEM_STATES,
    STATUSES,
    WATCH_ACTOR,
    NoticeError,
    NoticeFieldsMissing,
)
from idolguard.domain.takedowns.service import NoticeService

__all__ = [
    "NOTICE_TRANSITIONS",
    "NO_CHANNEL",
    "REUPLOAD_PARENT_STATES",
    "SENDABLE_ITEM_STATES",
    "STATUSES",
    "WATCH_ACTOR",
    "NoticeError",
    "NoticeFieldsMissing",
    "NoticeService",
]
