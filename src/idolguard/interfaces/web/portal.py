"""What every public portal page shares: the agency it is about and that agency's own words.

The report form, the status page and the fan guide all name an agency by its
slug in the path (``/report/<agency>/...``); an unknown or suspended agency is
a 404, and so is every portal page while ``[web] fan_reports`` is off. The
agency's blocks (statement, contact, artists) and its measured removal times
come from its own domain services, never from the request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from idolguard.app import IdolGuard
from idolguard.domain.accounts import AccountError
from idolguard.interfaces.web.errors import NotFound
from idolguard.interfaces.web.state import web_state
from idolguard.interfaces.web.templating import language


def portal_open(request: Request) -> None:
    """404 for every portal page while ``[web] fan_reports`` is off."""
    if not web_state(request).settings.fan_reports:
        raise NotFound("the report portal is closed")


def portal_agency(request: Request, slug: str) -> tuple[str, IdolGuard]:
    """The agency's display name and services; unknown or suspended agencies are 404."""
    portal_open(request)
    installation = web_state(request).installation
    try:
        view = installation.accounts.tenant(slug)
        if view.disabled:
            raise NotFound(f"no agency {slug!r}")
        return view.name, installation.tenant(view.slug)
    except AccountError as exc:
        raise NotFound(f"no agency {slug!r}") from exc


def portal_context(request: Request, slug: str | None) -> dict[str, Any]:
    """Template values every portal page uses; ``slug=None`` is the agency-neutral guide."""
    if slug is None:
        portal_open(request)
        return {"portal_agency": None, "agency_name": None, "blocks": {}, "takedown_times": None}
    name, app = portal_agency(request, slug)
    return agency_context(request, slug, name, app)


def agency_context(request: Request, slug: str, name: str, app: IdolGuard) -> dict[str, Any]:
    """``portal_agency`` (its slug) lets the layout link the agency's guide, ``blocks``
    holds its own sanitised text by key, and ``takedown_times`` its measured removal
    times (an empty list when it has measured none yet; ``None`` without an agency)."""
    return {
        "portal_agency": slug,
        "agency_name": name,
        "blocks": app.portal.content(language(request)),
        "takedown_times": app.portal.takedown_times(),
    }
