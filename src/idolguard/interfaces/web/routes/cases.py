"""Cases: the items of one incident, their evidence and notices, and the evidence bundle."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, field_validator
from starlette.background import BackgroundTask

from idolguard.domain.cases import STATES, CaseError, CaseView, ItemView
from idolguard.domain.custody.capture import EvidenceView
from idolguard.domain.roster import RosterError
from idolguard.domain.takedowns.views import NoticeView
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.templating import render

router = APIRouter()

CASE_STATUSES = ("open", "closed")
CaseStatus = Literal["open", "closed"]

Reader = Annotated[Caller, Depends(require("cases.read"))]
Writer = Annotated[Caller, Depends(require("cases.write"))]
Exporter = Annotated[Caller, Depends(require("evidence.export"))]


def _id_list(value: object) -> object:
    """Item ids as a list, or as text ("3, 7 9") typed into a form."""
    if isinstance(value, str):
        return [part.lstrip("#") for part in value.replace(",", " ").split() if part.lstrip("#")]
    if isinstance(value, int):
        return [value]
    return value


class CaseIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    artist_id: Id | None = None
    description: str | None = Field(default=None, max_length=5000)
    item_ids: list[Id] = Field(default_factory=list, max_length=500)

    @field_validator("item_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return _id_list(value)


class StatusIn(BaseModel):
    status: CaseStatus
    reason: str = Field(min_length=1, max_length=2000)


class ItemsIn(BaseModel):
    item_ids: list[Id] = Field(min_length=1, max_length=500)
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("item_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return _id_list(value)


def _evidence_json(view: EvidenceView) -> dict[str, Any]:
    return view.to_json()


def _case_detail(
    caller: Caller, number: str
) -> tuple[CaseView, list[ItemView], dict[int, list[EvidenceView]], list[NoticeView]]:
    case = found(caller.app.cases.get_case, number)
    items = caller.app.cases.list_items(case=case.number)
    evidence = {item.id: caller.app.evidence.for_item(item.id) for item in items}
    notices = caller.app.notices.list_notices(case=case.number)
    return case, items, evidence, notices


def _check_items(caller: Caller, item_ids: list[int]) -> list[int]:
    """The distinct item ids, each checked to exist (a missing one refuses the whole request)."""
    ids = list(dict.fromkeys(item_ids))
    for item_id in ids:
        caller.app.cases.get_item(item_id)  # CaseError "no item #n" -> 400
    return ids


# --------------------------------------------------------------------- API


@router.get("/api/v1/cases", tags=["cases"])
def list_cases(
    caller: Reader, status: Annotated[CaseStatus | None, Query()] = None
) -> dict[str, Any]:
    """Cases, most recently active first; ``status`` is ``open`` or ``closed``."""
    return {"cases": [c.to_json() for c in caller.app.cases.list_cases(status)]}


@router.get("/api/v1/cases/{number}", tags=["cases"])
def get_case(caller: Reader, number: str) -> dict[str, Any]:
    """A case with its items (each with its evidence records) and its takedown notices."""
    case, items, evidence, notices = _case_detail(caller, number)
    now = caller.app.notices.clock()
    return {
        "case": case.to_json(),
        "items": [
            {**item.to_json(), "evidence": [_evidence_json(e) for e in evidence[item.id]]}
            for item in items
        ],
        "notices": [n.to_json(now, body=False) for n in notices],
    }


@router.post("/api/v1/cases", tags=["cases"], status_code=201)
def create_case(caller: Writer, body: CaseIn) -> dict[str, Any]:
    """Open a case, optionally for one artist and with items already found."""
    app = caller.app
    if body.artist_id is not None:
        try:
            app.roster.get(f"#{body.artist_id}")
        except RosterError as exc:
            raise CaseError(f"no artist #{body.artist_id} on the roster") from exc
    ids = _check_items(caller, body.item_ids)
    description = body.description.strip() if body.description else None
    case = app.cases.create_case(
        body.title,
        actor=caller.actor,
        artist_id=body.artist_id,
        description=description or None,
    )
    for item_id in ids:
        app.cases.attach(item_id, case.number, actor=caller.actor, reason="added to a new case")
    return app.cases.get_case(case.number).to_json()


@router.post("/api/v1/cases/{number}/status", tags=["cases"])
def set_status(caller: Writer, number: str, body: StatusIn) -> dict[str, Any]:
    """Open or close a case; the reason goes to the chain-of-custody log."""
    case = found(caller.app.cases.get_case, number)
    return caller.app.cases.set_case_status(
        case.number, body.status, actor=caller.actor, reason=body.reason.strip()
    ).to_json()


@router.post("/api/v1/cases/{number}/items", tags=["cases"])
def attach_items(caller: Writer, number: str, body: ItemsIn) -> dict[str, Any]:
    """Move items into this case (from no case or from another one)."""
    case = found(caller.app.cases.get_case, number)
    ids = _check_items(caller, body.item_ids)
    reason = (body.reason or "").strip() or "added to the case"
    attached = [
        caller.app.cases.attach(item_id, case.number, actor=caller.actor, reason=reason)
        for item_id in ids
    ]
    return {
        "case": caller.app.cases.get_case(case.number).to_json(),
        "items": [item.to_json() for item in attached],
    }


@router.get(
    "/api/v1/cases/{number}/bundle",
    tags=["cases"],
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "the bundle (ZIP)"}},
)
def export_bundle(caller: Exporter, number: str) -> FileResponse:
    """Download the case's evidence bundle (a ZIP with manifest.json, originals, report, custody).

    The export is recorded in the chain-of-custody log.
    """
    case = found(caller.app.cases.get_case, number)
    root = caller.app.settings.working_dir / "exports"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bundle-", dir=root))
    name = f"{case.number}-evidence.zip"
    try:
        caller.app.exporter().export(case.number, folder / name, actor=caller.actor)
    except ValueError as exc:  # e.g. "case ... has no items to export"
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(400, str(exc)) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        folder / name,
        media_type="application/zip",
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


# ------------------------------------------------------------------- pages


@router.get("/cases", include_in_schema=False)
def cases_page(
    request: Request, caller: Reader, status: Annotated[str | None, Query()] = None
) -> Response:
    everything = caller.app.cases.list_cases()
    counts = Counter(c.status for c in everything)
    chosen = status if status in CASE_STATUSES else None
    cases = [c for c in everything if chosen is None or c.status == chosen]
    artists = caller.app.roster.list_artists() if caller.can("cases.write") else []
    return render(
        request,
        "cases_list.html",
        caller=caller,
        cases=cases,
        status=chosen,
        statuses=CASE_STATUSES,
        counts=counts,
        total=len(everything),
        artists=artists,
        states=STATES,
    )


@router.get("/cases/{number}", include_in_schema=False)
def case_page(request: Request, caller: Reader, number: str) -> Response:
    case, items, evidence, notices = _case_detail(caller, number)
    now = caller.app.notices.clock()
    return render(
        request,
        "cases_detail.html",
        caller=caller,
        case=case,
        items=items,
        records=[record for item in items for record in evidence[item.id]],
        notices=notices,
        overdue={n.number: n.overdue(now) for n in notices},
        statuses=CASE_STATUSES,
        states=STATES,
    )
