"""Signing in and out, switching agency and language; ``/api/v1/me`` says who you are."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from idolguard.domain.accounts import (
    PERMISSIONS,
    AccountService,
    AuthError,
    TenantChoiceRequired,
    normalise_email,
)
from idolguard.interfaces.web.auth import (
    SESSION_COOKIE,
    Caller,
    check_csrf,
    identify,
    optional_caller,
    require,
    session_token,
)
from idolguard.interfaces.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from idolguard.interfaces.web.state import client_address, web_state
from idolguard.interfaces.web.templating import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only same-site paths: a sign-in link must not bounce people to another site."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _secure(request: Request) -> bool:
    mode = web_state(request).settings.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


@router.get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    caller = await optional_caller(request)
    return RedirectResponse("/dashboard" if caller else "/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next), error=None, agencies=[], email="")


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=300)],
    password: Annotated[str, Form(max_length=1024)],
    agency: Annotated[str | None, Form(max_length=40)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    state = web_state(request)
    settings = state.settings
    state.limiter.hit("login", client_address(request), limit=settings.login_per_minute, window=60)
    accounts = state.installation.accounts
    target = safe_next(next)
    agencies: list[str] = []
    try:
        principal = accounts.authenticate(email, password, agency or None)
    except TenantChoiceRequired:
        # The password was right, so listing this person's own agencies tells nothing new.
        address = normalise_email(email)
        agencies = sorted(
            slug for user in accounts.users() if user.email == address for slug in user.roles
        )
        return _login_again(request, target, email, ("login.choose_agency", {}), agencies)
    except AuthError:
        # Locked or not, known or not: one answer. Only known addresses ever lock, so a
        # lockout message of its own would tell a guesser which addresses have accounts.
        return _login_again(request, target, email, _failed(accounts), [])
    new = accounts.start_session(principal)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(accounts.session_lifetime.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        path="/",
    )
    return response


def _failed(accounts: AccountService) -> tuple[str, dict[str, Any]]:
    """The one sign-in failure message, which also says how lockout works."""
    minutes = max(1, math.ceil(accounts.lockout.total_seconds() / 60))
    return "login.failed", {"failures": accounts.max_failures, "minutes": minutes}


def _login_again(
    request: Request,
    target: str,
    email: str,
    error: tuple[str, dict[str, Any]],
    agencies: list[str],
) -> Response:
    return render(
        request,
        "login.html",
        status_code=200 if agencies else 401,
        next=target,
        error=error,
        agencies=agencies,
        email=email[:300],
    )


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    found = identify(request)
    if found is not None:
        await check_csrf(request, found[1])
        token = session_token(request)
        if token:
            web_state(request).installation.accounts.end_session(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}", include_in_schema=False)
def set_language(request: Request, code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


@router.get("/api/v1/me", tags=["session"])
def me(caller: Annotated[Caller, Depends(require("dashboard.read"))]) -> dict[str, Any]:
    """Who the token or session acts for, in which agency and role, and what it may do."""
    principal = caller.principal
    return {
        "email": principal.email,
        "display_name": principal.display_name,
        "agency": principal.tenant_slug,
        "role": principal.role,
        "via": principal.via,
        "csrf_token": caller.csrf_token,  # for scripts of this site; None for API tokens
        "permissions": sorted(a for a in PERMISSIONS if principal.can(a)),
    }
