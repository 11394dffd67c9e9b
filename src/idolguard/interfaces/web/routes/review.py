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

from idolguard.domain.cases import QUEUE_STATES, EventView
from idolguard.domain.review.decisions import (
    AWAITING_CAPTURE,
    QueueFilters,
    link_report_rows,
    origin_of,
    platform_of,
)
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.ids import Id, parse_id
from idolguard.interfaces.web.templating import render
from idolguard.sources.fetch import FetchErrorCode

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
    from idolguard.clock import utc_iso

    return {
        "at": utc_iso(event.at),
        "actor": event.actor,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
    }


FILTER_STATES = (*QUEUE_STATES, AWAITING_CAPTURE)
FILTER_ORIGINS = ("fan", "scan", "monitor", "capture", "manual", "retro-match", "report", "account")
Filter = Annotated[str | None, Query(max_length=200)]
# Why a link report's capture failed, as the page can say it in both languages.
CAPTURE_CODES = (*(str(code) for code in FetchErrorCode), "not_media")


def _queue_filters(
    artist: str | None, origin: str | None, platform: str | None, state: str | None
) -> tuple[QueueFilters, bool]:
    """The queue's filters from the query string, and whether any value was unusable.

    Empty values (a select left on "any") mean no filter; an unusable one is
    dropped and the page says so, with 400, rather than failing.
    """
    bad = False
    artist_id: int | None = None
    text = (artist or "").strip()
    if text:
        artist_id = parse_id(text)
        bad = artist_id is None

    def pick(value: str | None, allowed: tuple[str, ...] | None) -> str | None:
        nonlocal bad
        value = (value or "").strip()
        if not value:
            return None
        if allowed is not None and value not in allowed:
            bad = True
            return None
        return value

    filters = QueueFilters(
        artist_id=artist_id,
        origin=pick(origin, FILTER_ORIGINS),
        platform=pick(platform, None),
        state=pick(state, FILTER_STATES),
    )
    return filters, bad


def _next_in_queue(caller: Caller, current: int) -> int | None:
    """The queue item after ``current`` (the first one when ``current`` is not queued)."""
    ids = [row.item.id for row in caller.app.review.queue(QueueFilters(), limit=QUEUE_PAGE_LIMIT)]
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


@router.get(
    "/api/v1/items/{item_id}/keyframe",
    tags=["review"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "blurred greyscale PNG"}},
)
def keyframe(
    item_id: Id,
    caller: Annotated[Caller, Depends(require("review.read"))],
    at: Annotated[float, Query(ge=0, le=86400, description="seconds into the video")] = 0.0,
) -> Response:
    """A video item's frame at ``at`` seconds (a timeline keyframe), blurred and greyscaled."""
    found(caller.app.cases.get_item, item_id)
    data = found(caller.app.review.keyframe_png, item_id, at)
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
    request: Request,
    caller: Annotated[Caller, Depends(require("review.read"))],
    artist: Filter = None,
    origin: Filter = None,
    platform: Filter = None,
    state: Filter = None,
) -> Response:
    """Items waiting for a decision and link-only fan reports waiting for capture.

    Filters (artist, origin, platform, state) narrow both lists; each item
    row says why it ranks where it does.
    """
    app = caller.app
    filters, bad = _queue_filters(artist, origin, platform, state)
    rows = app.review.queue(filters, limit=QUEUE_PAGE_LIMIT)
    pending = app.reports.pending_urls()
    reports = link_report_rows(pending, filters)
    seen = [r.platform for r in app.review.queue(QueueFilters(), limit=QUEUE_PAGE_LIMIT)]
    seen += [r.platform for r in link_report_rows(pending, QueueFilters())]
    platforms = sorted({p for p in seen if p})
    return render(
        request,
        "review_queue.html",
        caller=caller,
        status_code=400 if bad else 200,
        rows=rows,
        reports=reports,
        filters=filters,
        filtered=filters != QueueFilters(),
        bad_filter=bad,
        artists=app.roster.list_artists(),
        platforms=platforms,
        origins=FILTER_ORIGINS,
        states=FILTER_STATES,
        capture_codes=CAPTURE_CODES,
    )


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
        origin=origin_of(item),
        platform=platform_of(item),
        reports=app.reports.for_item(item_id),
        show_contact=caller.can("cases.write"),
        findings=findings,
        overlay=[f for f in findings["faces"] if f["on_preview"]],
        heatmaps=[d for d in findings["manipulation"]["detectors"] if d["heatmap"]],
        events=app.cases.events(item_id),
        evidence=app.evidence.for_item(item_id),
        artists=artists,
        next_id=_next_in_queue(caller, item_id),
    )
