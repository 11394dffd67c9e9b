"""The review queue and item pages, and their API: worst first, blurred until revealed.

Previews are blurred and greyscaled by default; the unblurred picture only
ever comes from ``POST .../preview/reveal`` (``media.reveal``), which the
domain logs in the chain of custody. Decisions (confirm, dismiss) need a
reason and are made as the signed-in person (``caller.actor``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, StringConstraints

from idolguard.domain.cases import EventView, ItemView
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.templating import render

router = APIRouter()

QUEUE_PAGE_LIMIT = 200
PNG_HEADERS = {"cache-control": "private, no-store"}
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ConfirmRequest(BaseModel):
    reason: Reason
    artist_id: Id | None = None


class DismissRequest(BaseModel):
    reason: Reason
    allow_list: bool = False


def _event_json(event: EventView) -> dict[str, Any]:
    from idolguard.evidence.canonical import utc_iso

    return {
        "at": utc_iso(event.at),
        "actor": event.actor,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
    }


def origin_key(item: ItemView) -> str:
    """How the item came in, as reviewers tell it apart: a fan report, a monitor, a scan..."""
    if item.reporter == "fan":
        return "fan"
    return item.origin


def _next_in_queue(caller: Caller, current: int) -> int | None:
    """The queue item after ``current`` (the first one when ``current`` is not queued)."""
    ids = [item.id for item in caller.app.cases.queue(limit=QUEUE_PAGE_LIMIT)]
    if current in ids:
        position = ids.index(current)
        later = ids[position + 1 :] or ids[:position]
        return later[0] if later else None
    return ids[0] if ids else None


# ----------------------------------------------------------------------------- API


@router.get("/api/v1/queue", tags=["review"])
def queue(
    caller: Annotated[Caller, Depends(require("review.read"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Items waiting for a decision (new, in review, reappeared), highest risk first."""
    return {"items": [item.to_json() for item in caller.app.cases.queue(limit=limit)]}


@router.get("/api/v1/items", tags=["review"])
def list_items(
    caller: Annotated[Caller, Depends(require("review.read"))],
    state: Annotated[list[str] | None, Query(max_length=40)] = None,
    artist: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Items in any state, highest risk first.

    ``state`` may be repeated or comma-separated; ``artist`` is an artist's id
    or name (case-insensitive).
    """
    states = [s.strip() for value in state or [] for s in value.split(",") if s.strip()]
    items = caller.app.cases.list_items(states=states or None, limit=None if artist else limit)
    if artist:
        wanted = artist.strip().casefold()
        items = [
            item
            for item in items
            if (item.artist_id is not None and str(item.artist_id) == wanted)
            or (item.artist or "").casefold() == wanted
        ][:limit]
    return {"items": [item.to_json() for item in items]}


@router.get("/api/v1/items/{item_id}", tags=["review"])
def item_detail(
    item_id: Id, caller: Annotated[Caller, Depends(require("review.read"))]
) -> dict[str, Any]:
    """One item with its history, evidence manifests and the findings of its analysis."""
    item = found(caller.app.cases.get_item, item_id)
    return {
        "item": item.to_json(),
        "events": [_event_json(e) for e in caller.app.cases.events(item_id)],
        "evidence": [e.to_json() for e in caller.app.evidence.for_item(item_id)],
        "findings": caller.app.review.findings(item_id),
    }


@router.get(
    "/api/v1/items/{item_id}/preview",
    tags=["review"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "blurred greyscale PNG"}},
)
def preview(item_id: Id, caller: Annotated[Caller, Depends(require("review.read"))]) -> Response:
    """The item's preview, blurred and greyscaled (a working copy, not the evidence)."""
    found(caller.app.cases.get_item, item_id)
    data = caller.app.review.preview_png(item_id, actor=caller.actor, reveal=False)
    return Response(data, media_type="image/png", headers=PNG_HEADERS)


@router.post(
    "/api/v1/items/{item_id}/preview/reveal",
    tags=["review"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "unblurred PNG"}},
)
def reveal(item_id: Id, caller: Annotated[Caller, Depends(require("media.reveal"))]) -> Response:
    """The unblurred preview. Every call is recorded in the chain of custody as ``reveal``."""
    found(caller.app.cases.get_item, item_id)
    data = caller.app.review.preview_png(item_id, actor=caller.actor, reveal=True)
    return Response(data, media_type="image/png", headers=PNG_HEADERS)


@router.post("/api/v1/items/{item_id}/confirm", tags=["review"])
def confirm(
    item_id: Id,
    body: ConfirmRequest,
    caller: Annotated[Caller, Depends(require("review.decide"))],
) -> dict[str, Any]:
    """Confirm the item as harmful: it joins a case and its hashes go into the block bank."""
    found(caller.app.cases.get_item, item_id)
    view = caller.app.review.confirm(
        item_id, actor=caller.actor, reason=body.reason, artist_id=body.artist_id
    )
    return view.to_json()


@router.post("/api/v1/items/{item_id}/dismiss", tags=["review"])
def dismiss(
    item_id: Id,
    body: DismissRequest,
    caller: Annotated[Caller, Depends(require("review.decide"))],
) -> dict[str, Any]:
    """Dismiss the item; ``allow_list`` banks it as a benign source photo."""
    found(caller.app.cases.get_item, item_id)
    view = caller.app.review.dismiss(
        item_id, actor=caller.actor, reason=body.reason, allow_list=body.allow_list
    )
    return view.to_json()


# --------------------------------------------------------------------------- pages


@router.get("/queue", include_in_schema=False)
def queue_page(
    request: Request, caller: Annotated[Caller, Depends(require("review.read"))]
) -> Response:
    items = caller.app.cases.queue(limit=QUEUE_PAGE_LIMIT)
    rows = [
        {
            "item": item,
            "origin": origin_key(item),
            "platform": item.source.get("platform") if item.source else None,
        }
        for item in items
    ]
    return render(request, "review_queue.html", caller=caller, rows=rows)


@router.get("/items/{item_id}", include_in_schema=False)
def item_page(
    request: Request, item_id: Id, caller: Annotated[Caller, Depends(require("review.read"))]
) -> Response:
    app = caller.app
    item = found(app.cases.get_item, item_id)
    findings = app.review.findings(item_id)
    artists = app.roster.list_artists() if caller.can("review.decide") else []
    return render(
        request,
        "review_item.html",
        caller=caller,
        item=item,
        origin=origin_key(item),
        platform=item.source.get("platform") if item.source else None,
        findings=findings,
        overlay=[f for f in findings["faces"] if f["on_preview"]],
        heatmaps=[d for d in findings["manipulation"]["detectors"] if d["heatmap"]],
        events=app.cases.events(item_id),
        evidence=app.evidence.for_item(item_id),
        artists=artists,
        next_id=_next_in_queue(caller, item_id),
    )
