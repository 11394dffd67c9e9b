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
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idolguard.app import IdolGuard
from idolguard.config import WebSettings
from idolguard.domain.accounts import AccountError, PermissionDenied
from idolguard.interfaces.web.auth import CsrfFailed, NotSignedIn
from idolguard.interfaces.web.errors import NotFound, domain_errors
from idolguard.interfaces.web.ratelimit import RateLimited, SharedRateLimiter
from idolguard.interfaces.web.routes import ROUTERS
from idolguard.interfaces.web.state import WebState
from idolguard.interfaces.web.templating import render

STATIC = Path(__file__).parent / "static"
INTERNAL_ERROR = "internal error: the request was not completed (it has been logged)"
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
# Nothing the app answers may stay in a browser's or proxy's cache: signed-in pages show
# abuse reports, and a shared computer keeps its cache after sign-out. Only /static is
# cacheable (public code and styles, the same for everyone).
NO_STORE = "no-store"
CACHEABLE_PREFIX = "/static/"

# The API reference: Swagger UI from static/vendor (swagger-ui-dist 5.36.0, Apache-2.0),
# started by static/api-docs.js, so the strict CSP above needs no CDN and no inline script.
API_DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IdolGuard API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


class BodyLimit:
    """Refuse request bodies over the limit with 413, counted as they arrive (not only by header).

    A chunked upload declares no length, so the count is what decides. When
    it passes the limit this middleware answers 413 itself and tells the app
    the client went away: whatever the app then makes of its unfinished body
    (FastAPI would call it a 400 parse error) is dropped, never sent.
    """

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
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await _too_large(send, self.max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise
            log.debug("request abandoned after its body passed the limit", exc_info=True)


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"error":"the request is too large: at most '
        + str(limit // (1024 * 1024)).encode()
        + b' MB"}'
    )
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(
    installation: IdolGuard, settings: WebSettings | None = None, *, shared_limits: bool = False
) -> FastAPI:
    """The web app over an installation (whose ``accounts`` decide who may do what).

    ``shared_limits``: rate limits counted in the database, for a server of several
    processes (``serve --workers N``); otherwise each process counts in memory.
    """
    web_settings = settings or installation.settings.web
    app = FastAPI(
        title="IdolGuard",
        version="1",
        summary="Protect artists from deepfakes and non-consensual imagery",
        docs_url=None,  # served below from vendored assets (FastAPI's page uses a CDN)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    state = WebState(installation, web_settings)
    if shared_limits:
        state.limiter = SharedRateLimiter(installation.rate_limits)
    app.state.idolguard = state
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(API_DOCS_HTML)

    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(CACHEABLE_PREFIX):
            cache = response.headers.get("cache-control", "")
            if NO_STORE not in cache:
                response.headers["cache-control"] = NO_STORE
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

    async def unexpected(request: Request, exc: Exception) -> Response:
        """The last resort: logged here in full, answered with nothing about the code.

        It runs outside every middleware (Starlette's outermost layer), so it
        adds the security headers and ``no-store`` itself.
        """
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        response: Response
        if _wants_json(request):
            response = JSONResponse({"error": INTERNAL_ERROR}, status_code=500)
        else:
            try:
                response = _problem(request, 500, "", "error.internal")
            except Exception:  # the error page itself failed: plain text, still no traceback
                response = PlainTextResponse(INTERNAL_ERROR, status_code=500)
        response.headers.update(SECURITY_HEADERS)
        response.headers["cache-control"] = NO_STORE
        return response

    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(PermissionDenied, forbidden)
    app.add_exception_handler(CsrfFailed, csrf)
    app.add_exception_handler(RateLimited, limited)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    for error_type in (*domain_errors(), AccountError):
        app.add_exception_handler(error_type, refused)
