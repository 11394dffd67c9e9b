"""Who is calling: browser sessions (cookie + CSRF token) and API tokens (Bearer).

Every protected route depends on ``require(action)``; the permission it names
is kept on the dependency (``.permission``) so tests can enumerate every
route with the permission it demands, and prove each role gets exactly
what ``domain.accounts.PERMISSIONS`` grants.

The agency is never taken from the request: it comes from the session or
token, and its services are a separate database, so another agency's
numbers simply do not exist for the caller.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request

from idolguard.app import IdolGuard
from idolguard.domain.accounts import AuthError, PermissionDenied, Principal
from idolguard.interfaces.web.state import client_address, web_state

SESSION_COOKIE = "ig_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Exception):
    """No valid session or token: pages redirect to sign-in, the API answers 401."""


class CsrfFailed(Exception):
    """A cookie-authenticated change without the session's CSRF token."""


@dataclass(frozen=True)
class Caller:
    """A signed-in person acting for one agency, with that agency's services."""

    principal: Principal
    app: IdolGuard
    csrf_token: str | None  # None for API tokens, which are not sent automatically by browsers

    @property
    def actor(self) -> str:
        """How the custody log names this person: their address, and that it was the web."""
        return f"web:{self.principal.email}"

    def can(self, action: str) -> bool:
        return self.principal.can(action)


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def identify(request: Request) -> tuple[Principal, str | None] | None:
    """The caller's principal and CSRF token, from a Bearer token or the session cookie."""
    accounts = web_state(request).installation.accounts
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotSignedIn("use 'Authorization: Bearer <token>'")
        try:
            return accounts.verify_token(credential.strip()), None
        except AuthError as exc:
            raise NotSignedIn(str(exc)) from exc
    token = session_token(request)
    if token:
        found = accounts.session(token)
        if found is not None:
            return found
    return None


def request_origin(request: Request) -> str | None:
    """Where the request came from: ``Origin``, else the origin of ``Referer``, else None.

    Browsers send ``Origin`` on every POST, PUT, PATCH and DELETE (fetch and
    forms alike); ``Referer`` covers older ones, and this site's
    ``referrer-policy: same-origin`` sends it in full to this site only.
    ``Origin: null`` (sandboxed frames, some redirects) names no site.
    """
    origin = request.headers.get("origin")
    if origin is not None:
        return None if origin == "null" else origin
    referer = request.headers.get("referer")
    if not referer:
        return None
    try:
        parts = urlsplit(referer)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


async def check_csrf(request: Request, expected: str | None) -> None:
    """Unsafe cookie-authenticated requests must come from this site, with the CSRF token.

    This site is proven by ``Origin`` (or, without it, a same-site
    ``Referer``): a request that names no origin at all is refused, as one
    from another site is. The token comes in a header (scripts) or a form
    field (plain forms). API tokens need neither: browsers never send them
    on their own.
    """
    if request.method not in UNSAFE_METHODS or expected is None:
        return
    origin = request_origin(request)
    if origin is None:
        raise CsrfFailed("request refused: it does not say which site sent it (Origin)")
    if origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfFailed("cross-site request refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("missing or wrong CSRF token")


async def optional_caller(request: Request) -> Caller | None:
    """The caller when signed in (for pages that also serve the public), else None."""
    found = identify(request)
    if found is None:
        return None
    principal, csrf = found
    await check_csrf(request, csrf)
    state = web_state(request)
    settings = state.settings
    state.limiter.hit("api", client_address(request), limit=settings.api_per_minute, window=60)
    return Caller(principal, state.installation.tenant(principal.tenant_slug), csrf)


def require(action: str) -> Callable[[Request], object]:
    """A dependency: the signed-in caller, who must be allowed ``action``."""

    async def dependency(request: Request) -> Caller:
        caller = await optional_caller(request)
        if caller is None:
            raise NotSignedIn("sign in first")
        if not caller.can(action):
            raise PermissionDenied(f"the {caller.principal.role} role may not do {action!r}")
        return caller

    dependency.permission = action  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return dependency
