"""The fan report portal (public, no account) and the staff view of fan reports.

Fans pick an agency, report a URL and/or a file, and get a report number and
a PIN to check on it or withdraw it later. Public routes are rate limited per
client address; uploads are streamed to a temporary file under the agency's
working folder and deleted once intake has stored the original.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as Path_
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from idolguard.domain.fan_reports import (
    STATUSES,
    CaptureFailed,
    ReportAccessDenied,
    ReportError,
    ReportLocked,
    ReportView,
    normalise_number,
)
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import NotFound
from idolguard.interfaces.web.i18n import LANGUAGES, translate
from idolguard.interfaces.web.ids import parse_id
from idolguard.interfaces.web.portal import (
    agency_context,
    portal_agency,
    portal_context,
    portal_open,
)
from idolguard.interfaces.web.state import client_address, web_state
from idolguard.interfaces.web.templating import language, render
from idolguard.scratch import sweep_stale

router = APIRouter()

_CHUNK = 1024 * 1024
MAX_CREDENTIALS_BODY = 4096  # bytes: a report number and a PIN, with room to spare
_SUFFIX_RE = re.compile(r"\.[A-Za-z0-9]{1,8}")


# ------------------------------------------------------------------ helpers
def _refusal(exc: ReportError) -> JSONResponse:
    if isinstance(exc, ReportLocked):
        return JSONResponse(
            {"error": str(exc)},
            status_code=429,
            headers={"retry-after": str(exc.retry_after_seconds)},
        )
    if isinstance(exc, ReportAccessDenied):
        return JSONResponse({"error": str(exc)}, status_code=404)
    if isinstance(exc, CaptureFailed):
        return JSONResponse({"error": str(exc), "code": exc.code}, status_code=400)
    return JSONResponse({"error": str(exc)}, status_code=400)


def _save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path | None:
    """Copy the upload to a temporary file in chunks; ``None`` when no file was chosen."""
    sweep_stale(folder, "report-")  # uploads a killed server never deleted
    folder.mkdir(parents=True, exist_ok=True)
    match = _SUFFIX_RE.fullmatch(Path(upload.filename or "").suffix)
    handle, name = tempfile.mkstemp(
        prefix="report-", suffix=match.group(0).lower() if match else "", dir=folder
    )
    path = Path(name)
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := upload.file.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0 and not upload.filename:
        path.unlink(missing_ok=True)
        return None
    return path


class _TooLarge(Exception):
    pass


class _BodyTooLarge(Exception):
    pass


async def _small_body(request: Request) -> bytes:
    """The whole body, refused once it passes ``MAX_CREDENTIALS_BODY`` (counted as it arrives).

    A number and a PIN fit in a few dozen bytes; a cap this small also keeps
    deeply nested JSON (a RecursionError in the parser) from ever being parsed.
    """
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_CREDENTIALS_BODY:
            raise _BodyTooLarge
    return bytes(body)


def _parse_credentials(content_type: str, body: bytes) -> Any:
    """The body as a mapping: JSON, or a URL-encoded form; anything else is nothing."""
    if content_type.startswith("application/json"):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return dict(parse_qsl(text, max_num_fields=20))
    return None


async def _credentials(request: Request) -> tuple[str, str]:
    """``number`` and ``pin`` from a small JSON body or URL-encoded form."""
    content_type = request.headers.get("content-type", "")
    data = _parse_credentials(content_type, await _small_body(request))
    if not isinstance(data, dict):
        data = {}
    number, pin = data.get("number"), data.get("pin")
    if not isinstance(number, str) or not isinstance(pin, str) or not number or not pin:
        raise ReportError("give the report number and the PIN")
    return number[:40], pin[:40]


def _credentials_too_large() -> JSONResponse:
    return JSONResponse(
        {"error": f"the request is too large: at most {MAX_CREDENTIALS_BODY} bytes"},
        status_code=413,
    )


def _status_texts(lang: str) -> dict[str, str]:
    texts = {s: translate(lang, f"report.status.{s}") for s in STATUSES}
    texts["still_acted_on"] = translate(lang, "report.status.still_acted_on")
    return texts


# -------------------------------------------------------------------- pages
@router.get("/report", include_in_schema=False)
def agencies_page(request: Request) -> Response:
    portal_open(request)
    agencies = [t for t in web_state(request).installation.accounts.tenants() if not t.disabled]
    if len(agencies) == 1:
        return RedirectResponse(f"/report/{agencies[0].slug}", status_code=303)
    return render(
        request, "report_agencies.html", agencies=agencies, **portal_context(request, None)
    )


@router.get("/report/{agency}", include_in_schema=False)
def report_page(request: Request, agency: str) -> Response:
    name, app = portal_agency(request, agency)
    return render(
        request,
        "report_form.html",
        agency=agency,
        artists=app.roster.list_artists(),
        max_mb=web_state(request).settings.max_upload_mb,
        **agency_context(request, agency, name, app),
    )


@router.get("/report/{agency}/status", include_in_schema=False)
def status_page(request: Request, agency: str) -> Response:
    return render(
        request,
        "report_status.html",
        agency=agency,
        status_texts=_status_texts(language(request)),
        states=STATUSES,
        **portal_context(request, agency),
    )


# --------------------------------------------------------------- public API
@router.post("/api/v1/public/{agency}/reports", tags=["reports"], status_code=201)
def submit_report(
    request: Request,
    agency: str,
    url: Annotated[str | None, Form(max_length=4000)] = None,
    artist: Annotated[str | None, Form(max_length=20)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    contact: Annotated[str | None, Form(max_length=400)] = None,
    lang: Annotated[str | None, Form(alias="language", max_length=8)] = None,
    file: Annotated[UploadFile | None, File()] = None,
    subject: Annotated[str | None, Form(max_length=16)] = None,
) -> JSONResponse:
    """Report content (no account): a URL and/or a photo or video, with the artist it shows.

    ``subject`` is ``content`` (the default) or ``account``: an account that
    pretends to be the artist, reported by its profile address alone.

    Answers 201 with ``{"number", "pin", "status"}``: the PIN is shown only
    this once. A report of something reported before gets the same answer as
    a new one (staff see the link), so the answer never tells whether a file
    was reported or acted on. 400 when nothing usable was sent or the file is not
    media IdolGuard can read, 404 for an unknown agency, 413 when the file is
    too large, 429 when this address sent too many reports in the last hour.
    """
    _name, app = portal_agency(request, agency)
    state = web_state(request)
    state.limiter.hit(
        "fan-report", client_address(request), limit=state.settings.reports_per_hour, window=3600
    )
    artist_id: int | None = None
    if artist and artist.strip():
        artist_id = parse_id(artist)
        if artist_id is None:
            return JSONResponse({"error": "choose an artist from the list"}, status_code=400)
    chosen = lang if lang in LANGUAGES else language(request)
    saved: Path | None = None
    try:
        if file is not None:
            try:
                saved = _save_upload(
                    file, app.settings.working_dir / "reports", state.max_upload_bytes
                )
            except _TooLarge:
                return JSONResponse(
                    {"error": f"the file is too large: at most {state.settings.max_upload_mb} MB"},
                    status_code=413,
                )
        submitted = app.reports.submit(
            artist_id=artist_id,
            url=url,
            upload=saved,
            upload_name=file.filename if file is not None and saved is not None else None,
            description=description,
            contact=contact,
            language=chosen,
            subject=subject or "content",
        )
    except ReportError as exc:
        return _refusal(exc)
    finally:
        if saved is not None:
            saved.unlink(missing_ok=True)
    return JSONResponse(submitted.to_json(), status_code=201)


@router.post("/api/v1/public/{agency}/reports/status", tags=["reports"])
async def report_status(request: Request, agency: str) -> JSONResponse:
    """A report's status for the fan who holds its number and PIN (JSON or form body).

    200 with ``{"number", "status", "submitted_at", "updated_at", "withdrawn_at",
    "can_withdraw", "still_acted_on"}``; 404 ``unknown report number or wrong
    PIN`` for either mistake; 429 after too many checks from this address, or
    while the report is locked after five wrong PINs.
    """
    _name, app = portal_agency(request, agency)
    state = web_state(request)
    state.limiter.hit(
        "fan-report-status",
        client_address(request),
        limit=state.settings.status_checks_per_hour,
        window=3600,
    )
    try:
        number, pin = await _credentials(request)
        status = await run_in_threadpool(app.reports.status, number, pin)
    except ReportError as exc:
        return _refusal(exc)
    except _BodyTooLarge:
        return _credentials_too_large()
    return JSONResponse(status.to_json())


@router.post("/api/v1/public/{agency}/reports/withdraw", tags=["reports"])
async def withdraw_report(request: Request, agency: str) -> JSONResponse:
    """Withdraw a report (number and PIN, JSON or form body); answers its new status.

    Content the agency already confirmed is not undone: it may still ask for
    removal. Errors as for the status check.
    """
    _name, app = portal_agency(request, agency)
    state = web_state(request)
    state.limiter.hit(
        "fan-report-status",
        client_address(request),
        limit=state.settings.status_checks_per_hour,
        window=3600,
    )
    try:
        number, pin = await _credentials(request)
        status = await run_in_threadpool(app.reports.withdraw, number, pin)
    except ReportError as exc:
        return _refusal(exc)
    except _BodyTooLarge:
        return _credentials_too_large()
    return JSONResponse(status.to_json())


# ---------------------------------------------------------------- staff API
@router.get("/api/v1/reports", tags=["reports"])
def list_reports(
    caller: Annotated[Caller, Depends(require("review.read"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    pending: bool = False,
) -> dict[str, Any]:
    """Fan reports, newest first (``pending=true``: URL-only reports waiting for capture).

    The reporter's contact is included only for roles that may change cases;
    PINs and their hashes never leave the server.
    """
    reports = caller.app.reports
    rows = reports.pending_urls()[:limit] if pending else reports.list_reports(limit)
    include_contact = caller.can("cases.write")
    return {"reports": [r.to_json(include_contact=include_contact) for r in rows]}


@router.post("/api/v1/reports/{number}/capture", tags=["reports"])
def capture_report(
    number: str, caller: Annotated[Caller, Depends(require("cases.write"))]
) -> JSONResponse:
    """Fetch a URL-only report's page now and open its review item (linked to the report)."""
    try:
        view = _capture(number, caller)
    except ReportError as exc:
        return _refusal(exc)
    return JSONResponse({"report": view.to_json(include_contact=True)})


@router.post("/reports/{number}/capture", include_in_schema=False)
def capture_report_page(
    number: Annotated[str, Path_(max_length=40)],
    caller: Annotated[Caller, Depends(require("cases.write"))],
) -> Response:
    """The queue's capture button (a plain form with the CSRF token).

    Success opens the new item's page; a failure goes back to the queue,
    where the report shows why (kept on the report) and can be retried.
    """
    try:
        view = _capture(number, caller)
    except ReportError:
        anchor = quote(normalise_number(number), safe="-")
        return RedirectResponse(f"/queue#report-{anchor}", status_code=303)
    return RedirectResponse(f"/items/{view.item_id}", status_code=303)


def _capture(number: str, caller: Caller) -> ReportView:
    """Capture a report's URL for the API and the queue's button alike (404 when unknown).

    Private addresses are refused unless ``[watch] allow_private``: a fan's URL is a
    stranger's, and the server must not be steered at the agency's own network.
    """
    reports = caller.app.reports
    try:
        reports.get(number)
    except ReportError as exc:
        raise NotFound(str(exc)) from exc
    return reports.capture(
        number,
        actor=caller.actor,
        allow_private_addresses=caller.app.settings.watch.allow_private,
    )
