"""The fan guide: public pages that teach as well as collect.

How to recognise manipulated content (and the limits of doing it by eye), why
not to share it even to condemn it, how to report it on the platforms and
here, what happens next, and where victims get help. Each page exists twice:
``/guide/...`` for anyone, and ``/report/<agency>/guide/...`` with that
agency's own statement, contact and artist list, its report form, and its
measured time to takedown.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from idolguard.domain.fan_reports import STATUSES
from idolguard.interfaces.web.errors import NotFound
from idolguard.interfaces.web.portal import portal_context
from idolguard.interfaces.web.state import web_state
from idolguard.interfaces.web.templating import render

router = APIRouter()

# Slug -> template; the order is the reading order of the guide.
TOPICS: dict[str, str] = {
    "spot": "guide/spot.html",
    "dont-share": "guide/dont_share.html",
    "platforms": "guide/platforms.html",
    "report-here": "guide/report_here.html",
    "next-steps": "guide/next_steps.html",
    "help": "guide/help.html",
}
D4U_PHONE = "02-735-8994"  # Digital Sex Crime Victim Support Center, Seoul
D4U_TEL = "+82-2-735-8994"


def _page(request: Request, agency: str | None, topic: str | None) -> Response:
    if topic is not None and topic not in TOPICS:
        raise NotFound(f"no guide page {topic!r}")
    context = portal_context(request, agency)
    installation = web_state(request).installation
    # Only the platforms page needs the directory; loading it costs a file parse.
    platforms = (
        (installation.tenant(agency) if agency else installation).portal.platform_guide()
        if topic == "platforms"
        else []
    )
    return render(
        request,
        TOPICS[topic] if topic else "guide/index.html",
        topic=topic,
        topics=list(TOPICS),
        guide_root=f"/report/{agency}/guide" if agency else "/guide",
        platforms=platforms,
        d4u_phone=D4U_PHONE,
        d4u_tel=D4U_TEL,
        states=STATUSES,
        **context,
    )


@router.get("/guide", include_in_schema=False)
def guide_index(request: Request) -> Response:
    return _page(request, None, None)


@router.get("/guide/{topic}", include_in_schema=False)
def guide_topic(request: Request, topic: str) -> Response:
    return _page(request, None, topic)


@router.get("/report/{agency}/guide", include_in_schema=False)
def agency_guide_index(request: Request, agency: str) -> Response:
    return _page(request, agency, None)


@router.get("/report/{agency}/guide/{topic}", include_in_schema=False)
def agency_guide_topic(request: Request, agency: str, topic: str) -> Response:
    return _page(request, agency, topic)
