"""The web app: REST API (documented by its OpenAPI schema at ``/api/docs``) and the UI.

Routes live in ``routes/`` by area; each area is one router. Domain errors
become JSON ``{"error": ...}`` answers for the API and a short page for
people; nothing here touches the database except through domain services.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idolguard.app import IdolGuard
from idolguard.config import WebSettings
from idolguard.domain.accounts import AccountError, PermissionDenied
from idolguard.interfaces.web.auth import CsrfFailed, NotSignedIn
from idolguard.interfaces.web.errors import NotFound, domain_errors
from idolguard.interfaces.web.ratelimit import RateLimited
from idolguard.interfaces.web.routes import ROUTERS
from idolguard.interfaces.web.state import WebState
from idolguard.interfaces.web.templating import render

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    # No inline scripts anywhere: data for scripts travels as JSON, never as code.
    "content-security-policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
        "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # no-referrer would make browsers send "Origin: null"
    "cross-origin-opener-policy": "same-origin",
}


class BodyLimit:
    """Refuse request bodies over the limit, counted as they arrive (not only by header)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"error":"the upload is too large: at most '
        + str(limit // (1024 * 1024)).encode()
        + b' MB"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(installation: IdolGuard, settings: WebSettings | None = None) -> FastAPI:
    """The web app over an installation (whose ``accounts`` decide who may do what)."""
    web_settings = settings or installation.settings.web
    app = FastAPI(
        title="IdolGuard",
        version="1",
        summary="Protect artists from deepfakes and non-consensual imagery",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        openapi_url="/api/openapi.json",
    )
    state = WebState(installation, web_settings)
    app.state.idolguard = state
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/api/") or request.url.path.startswith("/report"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    # Multipart overhead on top of the largest file allowed.
    app.add_middleware(BodyLimit, max_bytes=state.max_upload_bytes + 1024 * 1024)
    return app


def _problem(request: Request, status: int, message: str, page_key: str | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(
        request,
        "error.html",
        status_code=status,
        message=message,
        message_key=page_key,
        seconds=0,
    )


def _install_error_handlers(app: FastAPI) -> None:
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"error": str(exc) or "sign in first"},
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return _problem(request, 403, str(exc), "error.forbidden")

    async def csrf(request: Request, exc: Exception) -> Response:
        return _problem(request, 403, str(exc), "error.csrf")

    async def limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        seconds = exc.retry_after_seconds
        headers = {"retry-after": str(seconds)}
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=429, headers=headers)
        response = render(
            request,
            "error.html",
            status_code=429,
            message=str(exc),
            message_key="error.rate_limited",
            seconds=seconds,
        )
        response.headers.update(headers)
        return response

    async def not_found(request: Request, exc: Exception) -> Response:
        return _problem(request, 404, str(exc), "error.not_found")

    async def refused(request: Request, exc: Exception) -> Response:
        return _problem(request, 400, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _problem(request, exc.status_code, str(exc.detail))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(p) for p in error.get('loc', ())[1:]) or 'request'}: {error.get('msg')}"
            for error in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {"error": "; ".join(problems) or "invalid request", "problems": problems},
                status_code=422,
            )
        return _problem(request, 422, "; ".join(problems))

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(PermissionDenied, forbidden)
    app.add_exception_handler(CsrfFailed, csrf)
    app.add_exception_handler(RateLimited, limited)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    for error_type in (*domain_errors(), AccountError):
        app.add_exception_handler(error_type, refused)
