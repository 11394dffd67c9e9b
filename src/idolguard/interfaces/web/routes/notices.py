"""Takedown notices: legal staff draft, send (or package for web forms) and track them.

The API mirrors ``idolguard notice`` (draft, send, package, mark, list, show,
deadlines, regimes, platforms); the pages are a table with a deadlines panel,
a draft form for a case, and one notice with its text, history and actions.
Every change goes through ``NoticeService``, which records it in the notice's
history and the agency's chain-of-custody log, naming the signed-in person.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from idolguard.clock import utc_iso
from idolguard.domain.accounts import PermissionDenied
from idolguard.domain.takedowns import (
    NOTICE_TRANSITIONS,
    SENDABLE_ITEM_STATES,
    STATUSES,
    NoticeError,
    NoticeFieldsMissing,
)
from idolguard.domain.takedowns.senders import MAX_VALUE, REQUESTER_TYPES, SENDER_FIELDS
from idolguard.domain.takedowns.views import NoticeView
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.i18n import CATALOG, translate
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.state import client_address, web_state
from idolguard.interfaces.web.templating import language, render
from idolguard.notices.regimes import CATEGORIES, REGIME_KEYS, REGIMES

router = APIRouter()

Read = Annotated[Caller, Depends(require("notices.read"))]
Write = Annotated[Caller, Depends(require("notices.write"))]
Send = Annotated[Caller, Depends(require("notices.send"))]
# Who signs the agency's notices is agency administration: admins only.
Admin = Annotated[Caller, Depends(require("users.manage"))]
SETTINGS_PAGE = "/settings/sender"
# Fields filled from the sender settings: a missing one is fixed on the settings page.
SENDER_KEYS = frozenset(
    {"signature", "signer_name", "contact", "contact_email", "contact_address", "contact_phone"}
    | {"requester_type", "designation"}
)
Number = Annotated[
    str, PathParam(max_length=64, description="Notice number, e.g. IG-2026-0001-N01")
]

LANGUAGES = ("ko+en", "ko", "en")
SENDS_PER_MINUTE = 30


def _known_regime(key: str) -> str:
    """Refuse (422) a regime the registry does not know, naming the ones it does."""
    if key not in REGIMES:
        raise ValueError(f"unknown regime {key!r}; known regimes: {', '.join(REGIME_KEYS)}")
    return key


def _regime_schema(schema: dict[str, Any]) -> None:
    """The OpenAPI schema lists the registered regimes, read when the schema is built."""
    schema["enum"] = list(REGIME_KEYS)


# A regime key: accepted values come from the regime registry (plug-ins included),
# so the API takes every regime the CLI does.
RegimeKey = Annotated[str, AfterValidator(_known_regime), Field(json_schema_extra=_regime_schema)]


class DraftRequest(BaseModel):
    """What ``idolguard notice draft`` takes; everything but the case is optional."""

    model_config = ConfigDict(extra="forbid")

    case: str = Field(min_length=1, max_length=64, description="Case number, e.g. IG-2026-0001")
    regime: RegimeKey | None = Field(
        default=None, description="Default: the best fitting regime per platform"
    )
    platform: str | None = Field(default=None, max_length=100, description="Only this platform")
    item_ids: list[Id] = Field(default_factory=list, max_length=500)
    recipient: str | None = Field(
        default=None, max_length=500, description="E-mail or web-form URL (overrides)"
    )
    category: Literal["intimate", "non_intimate", "impersonation"] | None = None
    owns_copyright: bool | None = Field(
        default=None, description="The agency owns the copyright of the source (dmca)"
    )
    copyrighted_work: str | None = Field(default=None, max_length=2000)
    explanation: str | None = Field(default=None, max_length=10000)
    language: Literal["ko", "en", "ko+en"] | None = None
    sender: dict[str, str] = Field(
        default_factory=dict,
        max_length=len(SENDER_FIELDS),
        description="This notice's own sender values over the agency's: "
        + ", ".join(SENDER_FIELDS),
    )


class SenderSettingsRequest(BaseModel):
    """The agency's sender settings; an empty value clears one (the [notices] fallback shows)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=MAX_VALUE)
    title: str | None = Field(default=None, max_length=MAX_VALUE)
    organisation: str | None = Field(default=None, max_length=MAX_VALUE)
    email: str | None = Field(default=None, max_length=MAX_VALUE)
    phone: str | None = Field(default=None, max_length=MAX_VALUE)
    address: str | None = Field(default=None, max_length=MAX_VALUE)
    signature: str | None = Field(default=None, max_length=MAX_VALUE)
    requester_type: Literal["victim", "representative", "designated_org", ""] | None = None
    designation: str | None = Field(default=None, max_length=MAX_VALUE)


class StatusRequest(BaseModel):
    """A platform's answer, or a web-form submission recorded as ``sent``."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=40, description=", ".join(STATUSES))
    note: str | None = Field(default=None, max_length=2000)
    reference: str | None = Field(default=None, max_length=200)


class RecipientRequest(BaseModel):
    """Who a draft goes to: an e-mail address or a web-form URL."""

    model_config = ConfigDict(extra="forbid")

    recipient: str = Field(min_length=1, max_length=500)


def _now(caller: Caller) -> datetime:
    return caller.app.notices.clock()


def _detail(caller: Caller, view: NoticeView) -> dict[str, Any]:
    data = view.to_json(_now(caller))
    en, ko = caller.app.notices.escalations(view)
    data["escalations"] = {"en": en, "ko": ko}
    data["next_statuses"] = sorted(NOTICE_TRANSITIONS[view.status])
    return data


def _missing_message(lang: str, error: NoticeFieldsMissing) -> str:
    """The missing fields in the page's language, and where a person supplies them."""
    regime = error.regime.name_ko if lang == "ko" else error.regime.name_en
    parts = [translate(lang, "notices.missing.intro", regime=regime)]
    for spec in error.missing:
        label = spec.label_ko if lang == "ko" else spec.label_en
        where = "settings" if spec.key in SENDER_KEYS else spec.key
        hint_key = f"notices.missing.hint.{where}"
        hint = translate(lang, hint_key, page=SETTINGS_PAGE) if hint_key in CATALOG else ""
        parts.append(f"{label}" + (f" ({hint})" if hint else ""))
    return f"{parts[0]} " + "; ".join(parts[1:]) + "."


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


# ------------------------------------------------------------------------------ API
@router.get("/api/v1/notices", tags=["notices"])
def list_notices(
    caller: Read,
    status: Annotated[str | None, Query(max_length=40)] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
    platform: Annotated[str | None, Query(max_length=100)] = None,
    overdue: bool = False,
    needs_recipient: bool = False,
) -> list[dict[str, Any]]:
    """Notices, newest first, without their text; filter by status, case, platform, overdue,
    or drafts that need a recipient (automatic follow-ups the directory has no contact for)."""
    now = _now(caller)
    views = caller.app.notices.list_notices(
        status=_blank(status),
        case=_blank(case),
        platform=_blank(platform),
        overdue=overdue,
        needs_recipient=needs_recipient,
    )
    return [view.to_json(now, body=False) for view in views]


@router.get("/api/v1/notices/deadlines", tags=["notices"])
def deadlines(
    caller: Read,
    within_hours: Annotated[float, Query(ge=0, le=24 * 365)] = 24,
) -> dict[str, Any]:
    """Overdue notices with where to escalate (en and ko), and notices due within the hours."""
    overdue, soon = caller.app.notices.deadlines(within_hours=within_hours)
    now = _now(caller)
    return {
        "now": utc_iso(now),
        "within_hours": within_hours,
        "overdue": [escalation.to_json(now) for escalation in overdue],
        "due_soon": [view.to_json(now, body=False) for view in soon],
    }


@router.get("/api/v1/notices/{number}", tags=["notices"])
def get_notice(caller: Read, number: Number) -> dict[str, Any]:
    """One notice in full: its text and fields, items, history, and escalation routes."""
    return _detail(caller, found(caller.app.notices.get, number))


@router.post("/api/v1/notices", tags=["notices"], status_code=201)
def draft_notices(request: Request, caller: Write, body: DraftRequest) -> dict[str, Any]:
    """Draft notices for a case's confirmed items: one per platform, every field checked.

    Nothing is stored when any notice lacks a field its regime requires; the
    error names the fields in the page's language and points to the agency's
    sender settings (``/settings/sender``) for those that come from there.
    """
    try:
        drafts = caller.app.notices.draft(
            body.case.strip(),
            actor=caller.actor,
            regime=body.regime,
            platform=_blank(body.platform),
            item_ids=body.item_ids,
            recipient=_blank(body.recipient),
            category=body.category,
            owns_copyright=body.owns_copyright,
            copyrighted_work=_blank(body.copyrighted_work),
            explanation=_blank(body.explanation),
            language=body.language,
            sender_fields=body.sender,
        )
    except NoticeFieldsMissing as exc:
        raise NoticeError(_missing_message(language(request), exc)) from exc
    now = _now(caller)
    return {"notices": [view.to_json(now) for view in drafts]}


@router.post("/api/v1/notices/{number}/send", tags=["notices"])
def send_notice(
    request: Request, caller: Send, number: Number, resend: bool = False
) -> dict[str, Any]:
    """E-mail a drafted notice through ``[smtp]`` (PDF and JSON attached); the clock starts.

    A notice addressed to a web form cannot be mailed: the answer (400) says
    so; download its package, submit it there, then record it with status
    ``sent``. When the mail server drops the line after taking the message,
    the answer is 400 and the notice becomes ``unconfirmed``; ``resend=true``
    sends it again (same Message-ID), only when a person has decided to.
    """
    state = web_state(request)
    state.limiter.hit("notices.send", client_address(request), limit=SENDS_PER_MINUTE, window=60)
    found(caller.app.notices.get, number)
    return _detail(caller, caller.app.notices.send(number, actor=caller.actor, resend=resend))


@router.post("/api/v1/notices/{number}/status", tags=["notices"])
def mark_notice(caller: Write, number: Number, body: StatusRequest) -> dict[str, Any]:
    """Record the platform's answer (acknowledged, removed, rejected, counter_noticed) or a
    withdrawal; ``sent`` records a web-form submission and needs ``notices.send``."""
    found(caller.app.notices.get, number)
    if body.status == "sent" and not caller.can("notices.send"):
        raise PermissionDenied(f"the {caller.principal.role} role may not do 'notices.send'")
    view = caller.app.notices.mark(
        number,
        body.status,
        actor=caller.actor,
        note=_blank(body.note),
        reference=_blank(body.reference),
    )
    return _detail(caller, view)


@router.post("/api/v1/notices/{number}/recipient", tags=["notices"])
def set_recipient(caller: Write, number: Number, body: RecipientRequest) -> dict[str, Any]:
    """Name the recipient of a draft (e.g. an automatic follow-up that needs one)."""
    found(caller.app.notices.get, number)
    view = caller.app.notices.set_recipient(number, body.recipient, actor=caller.actor)
    return _detail(caller, view)


@router.get("/api/v1/notices/{number}/package", tags=["notices"])
def package_notice(caller: Write, number: Number, background: BackgroundTasks) -> Response:
    """The notice as a zip of PDF, JSON and text, for a platform's web form.

    Needs ``notices.write``, not ``evidence.export``: the package is the notice
    itself (its text, the signer's contact details, URLs and hashes), not the
    evidence media; preparing it is the web-form counterpart of sending, and
    it is recorded in the custody log as such.
    """
    view = found(caller.app.notices.get, number)
    working = caller.app.settings.working_dir
    working.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="notice-package-", dir=working))
    try:
        paths = caller.app.notices.package(view.number, folder / "files", actor=caller.actor)
        archive = folder / f"{view.number}.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for path in paths:
                bundle.write(path, arcname=f"{view.number}/{path.name}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    background.add_task(shutil.rmtree, folder, ignore_errors=True)
    return FileResponse(archive, media_type="application/zip", filename=archive.name)


@router.get("/api/v1/regimes", tags=["notices"])
def regimes(caller: Read) -> list[dict[str, Any]]:
    """The legal regimes a notice can be sent under, what each requires, and when it fits."""
    return [
        {
            "key": r.key,
            "name": {"en": r.name_en, "ko": r.name_ko},
            "law": r.law,
            "use_when": {"en": r.use_when_en, "ko": r.use_when_ko},
            "required_fields": [
                {"key": f.key, "label_en": f.label_en, "label_ko": f.label_ko} for f in r.fields()
            ],
            "intimate_only": r.intimate_only,
            "needs_copyright": r.needs_copyright,
            "statutory_deadline_hours": r.statutory_deadline_hours,
            "deadline_hours": caller.app.notices.deadline_hours(r),
        }
        for r in REGIMES.values()
    ]


@router.get("/api/v1/platforms", tags=["notices"])
def platforms(caller: Read) -> dict[str, Any]:
    """The platform directory: contacts, regimes, languages and typical response times."""
    directory = caller.app.notices.directory
    return {"source": directory.source, "platforms": [p.to_json() for p in directory]}


# ------------------------------------------------------------------------------ pages
def _time_left(view: NoticeView, now: datetime) -> dict[str, Any] | None:
    """Hours left before the deadline, or hours overdue (for open notices only)."""
    if view.due_at is None or view.status not in ("sent", "acknowledged"):
        return None
    hours = (view.due_at - now).total_seconds() / 3600
    return {"overdue": hours < 0, "hours": abs(hours)}


@router.get("/notices", include_in_schema=False)
def notices_page(
    request: Request,
    caller: Read,
    status: Annotated[str | None, Query(max_length=40)] = None,
    overdue: bool = False,
    needs_recipient: bool = False,
) -> Response:
    chosen = status if status in STATUSES else None
    views = caller.app.notices.list_notices(
        status=chosen, overdue=overdue, needs_recipient=needs_recipient
    )
    waiting = len(caller.app.notices.list_notices(needs_recipient=True))
    late, soon = caller.app.notices.deadlines(within_hours=24)
    return render(
        request,
        "notices_list.html",
        caller=caller,
        notices=views,
        late=late,
        soon=soon,
        now=_now(caller),
        statuses=STATUSES,
        status=chosen or "",
        overdue_only=overdue,
        needs_recipient_only=needs_recipient,
        waiting=waiting,
        regimes=REGIMES,
    )


@router.get("/notices/new", include_in_schema=False)
def new_notice_page(
    request: Request,
    caller: Write,
    case: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    chosen = found(caller.app.cases.get_case, case.strip()) if case and case.strip() else None
    items = caller.app.cases.list_items(case=chosen.number) if chosen else []
    return render(
        request,
        "notices_new.html",
        caller=caller,
        case=chosen,
        cases=[] if chosen else caller.app.cases.list_cases(status="open"),
        items=items,
        sendable=SENDABLE_ITEM_STATES,
        preselected=("confirmed", "reappeared"),
        regimes=[REGIMES[key] for key in REGIME_KEYS],
        platforms=caller.app.notices.directory.platforms(kind="platform"),
        categories=CATEGORIES,
        languages=LANGUAGES,
        default_language=caller.app.settings.notices.language,
        owns_copyright=caller.app.settings.notices.owns_copyright,
        sender=caller.app.senders.sender(),
        sender_keys=[key for key in SENDER_FIELDS if key != "requester_type"],
        settings_page=SETTINGS_PAGE,
    )


@router.get("/notices/{number}", include_in_schema=False)
def notice_page(request: Request, caller: Read, number: Number) -> Response:
    view = found(caller.app.notices.get, number)
    now = _now(caller)
    en, ko = caller.app.notices.escalations(view)
    return render(
        request,
        "notices_detail.html",
        caller=caller,
        notice=view,
        regime=REGIMES[view.regime],
        now=now,
        time_left=_time_left(view, now),
        overdue=view.overdue(now),
        escalations={"en": en, "ko": ko},
        next_statuses=sorted(NOTICE_TRANSITIONS[view.status]),
        fields=view.package.get("fields", []),
    )


# ------------------------------------------------------------------ sender settings
@router.get("/api/v1/settings/sender", tags=["notices"])
def sender_settings(caller: Read) -> dict[str, Any]:
    """Who signs the agency's notices: each field's value and whether it is the agency's own
    (``agency``), the installation's ``[notices]`` fallback (``installation``) or ``unset``."""
    return caller.app.senders.view().to_json()


@router.put("/api/v1/settings/sender", tags=["notices"])
def set_sender_settings(caller: Admin, body: SenderSettingsRequest) -> dict[str, Any]:
    """Set the agency's sender fields (admins); omitted fields stay, empty ones are cleared.

    Every change is written to the agency's custody chain with the old and new values'
    hashes.
    """
    values = {key: value for key, value in body.model_dump().items() if value is not None}
    return caller.app.senders.update(values, actor=caller.actor).to_json()


@router.get(SETTINGS_PAGE, include_in_schema=False)
def sender_settings_page(request: Request, caller: Read) -> Response:
    view = caller.app.senders.view()
    return render(
        request,
        "notices_sender.html",
        caller=caller,
        settings=view,
        keys=list(SENDER_FIELDS),
        requester_types=REQUESTER_TYPES,
        editable=caller.can("users.manage"),
    )
