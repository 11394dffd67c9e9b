"""Fan reports: anyone may report content about an artist, and check on it with a number and PIN.

Not the evidence PDF report (``idolguard.evidence.case_report``). One module per
audience: ``submit`` (the fan sending), ``tracking`` (the fan checking or
withdrawing), ``staff`` (the queue and captures), over ``base``, with the
shared numbers, errors and views in ``model``; ``service`` puts them together
as one ``FanReportService``.

A fan sends a URL, a file, or both, with the artist it shows, an optional
description and an optional way to reach them. They get a report number and
a PIN (shown once; only its argon2id hash is kept) to check the status later
or withdraw the report, with no account.

*Files* go through intake at once: analysed by the pipeline, the original
stored write-once, and a review item opened (origin ``report``, reporter
``fan``) with the URL as its location when one was given.

*URL-only reports* are never fetched while the fan waits (slow, and fetching
whatever a stranger names from inside the request is an SSRF risk). An item
needs stored media (``Item.media_sha256`` is required), so such a report waits
in :meth:`FanReportService.pending_urls` until staff capture it with
:meth:`FanReportService.capture`, which fetches the page through
``IntakeService.add_url`` (with its address checks) and links the item to the
report, and to every other pending report of the same URL. A capture that
fails (the site is unreachable, the page shows no media) is recorded on the
report with its reason, which staff see in the queue; they may retry.

The artist the fan picked goes into the item's source as ``reported_artist``
(id and name): triage counts it as a naming of the artist, like a caption
that names them (see ``idolguard.signals.risk``).

Reports of what was already reported (the same normalised URL, or the same
file by SHA-256, as an earlier report not withdrawn) are collapsed: the new
report records ``duplicate_of`` and follows the same item, which is marked as
seen again rather than opened twice. Each fan still gets their own number
and PIN, and is answered as for a new report: whether the file was reported
or acted on before is for staff to see, not for whoever uploads it (the
faker included). Such a report reads ``received`` until its item next
changes.

The status a fan sees is derived from the item's state and says nothing
about reviewers or other reports. Five wrong PINs lock a report for 15
minutes; unknown numbers cost the same hash check as wrong PINs.
"""

from __future__ import annotations

from idolguard.domain.fan_reports.model import (
    ACTOR,
    GENERIC_FAILURE,
    LANGUAGES,
    LOCK_FOR,
    MAX_CAPTURE_ERROR,
    MAX_CONTACT,
    MAX_DESCRIPTION,
    MAX_FAILURES,
    MAX_URL,
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    PIN_DIGITS,
    STATUSES,
    WITHDRAWN_REASON,
    CaptureFailed,
    ReportAccessDenied,
    ReportError,
    ReportLocked,
    ReportStatus,
    ReportView,
    SubmittedReport,
    normalise_number,
    normalise_url,
)
from idolguard.domain.fan_reports.service import FanReportService

__all__ = [
    "ACTOR",
    "GENERIC_FAILURE",
    "LANGUAGES",
    "LOCK_FOR",
    "MAX_CAPTURE_ERROR",
    "MAX_CONTACT",
    "MAX_DESCRIPTION",
    "MAX_FAILURES",
    "MAX_URL",
    "NUMBER_ALPHABET",
    "NUMBER_LENGTH",
    "PIN_DIGITS",
    "STATUSES",
    "WITHDRAWN_REASON",
    "CaptureFailed",
    "FanReportService",
    "ReportAccessDenied",
    "ReportError",
    "ReportLocked",
    "ReportStatus",
    "ReportView",
    "SubmittedReport",
    "normalise_number",
    "normalise_url",
]
