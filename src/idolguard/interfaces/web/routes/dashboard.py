"""The dashboard: what was found, confirmed and taken down, and which notices are late.

``GET /api/v1/dashboard`` answers the figures as JSON; ``GET /dashboard`` shows
the totals and the tables server-side and draws the charts with the vendored
Chart.js from ``static/dashboard.js``, which fetches the same API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator, Field

from idolguard.domain.dashboard import MAX_DAYS, METRICS, TTD_BUCKETS
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.i18n import translate
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.templating import language, render

router = APIRouter()

Reader = Annotated[Caller, Depends(require("dashboard.read"))]
DAY_CHOICES = (7, 30, 90, 180, 365)


def _blank_is_none(value: object) -> object:
    """Filter forms send ``artist_id=`` for "all": an empty value means no filter."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


Days = Annotated[
    int, Query(ge=1, le=MAX_DAYS, description=f"UTC days back, today included (1-{MAX_DAYS})")
]
ArtistId = Annotated[
    Id | None,
    BeforeValidator(_blank_is_none),
    Query(description="Only this artist's items (and notices of their cases)"),
]
Platform = Annotated[
    Annotated[str, Field(max_length=128)] | None,
    BeforeValidator(_blank_is_none),
    Query(description='Only this platform ("x", "youtube", a site name)'),
]


@router.get("/api/v1/dashboard", tags=["dashboard"])
def dashboard_api(
    caller: Reader,
    days: Days = 30,
    artist_id: ArtistId = None,
    platform: Platform = None,
) -> dict[str, Any]:
    """Dashboard figures for the caller's agency over the last ``days`` UTC days.

    ``series`` has one row per day (found, confirmed, removed; empty days
    included); ``by_artist`` and ``by_platform`` total the window;
    ``time_to_takedown`` is a histogram of hours from a notice's sending to
    the URL's removal, with median and p90; ``overdue`` and ``due_soon``
    list open notices past or near their deadline; ``totals`` sums it up.
    """
    return caller.app.dashboard.summary(days=days, artist_id=artist_id, platform=platform)


def _labels(lang: str) -> dict[str, Any]:
    """The words the charts show, in the page's language (read by dashboard.js)."""

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    return {
        "metrics": {m: t(f"dashboard.metric.{m}") for m in METRICS},
        "buckets": {key: t(f"dashboard.bucket.{key}") for key, *_rest in TTD_BUCKETS},
        "unknown": t("dashboard.unknown"),
        "removals": t("dashboard.ttd.removals"),
        "failed": t("dashboard.load_failed"),
    }


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(
    request: Request,
    caller: Reader,
    days: Days = 30,
    artist_id: ArtistId = None,
    platform: Platform = None,
) -> Response:
    summary = caller.app.dashboard.summary(days=days, artist_id=artist_id, platform=platform)
    choices = sorted({*DAY_CHOICES, days})
    return render(
        request,
        "dashboard.html",
        caller=caller,
        summary=summary,
        days=days,
        day_choices=choices,
        artist_id=artist_id,
        platform=summary["filters"]["platform"],
        artists=caller.app.roster.list_artists(),
        labels=_labels(language(request)),
    )
