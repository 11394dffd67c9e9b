"""What the web app holds while it runs, kept on ``app.state`` (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from idolguard.app import IdolGuard
from idolguard.config import WebSettings
from idolguard.interfaces.web.ratelimit import Limiter, RateLimiter


@dataclass
class WebState:
    """The installation (control plane and every agency's services) plus web-only state."""

    installation: IdolGuard
    settings: WebSettings
    limiter: Limiter = field(default_factory=RateLimiter)

    @property
    def max_upload_bytes(self) -> int:
        return self.settings.max_upload_mb * 1024 * 1024


def web_state(request: Request) -> WebState:
    state = request.app.state.idolguard
    assert isinstance(state, WebState)
    return state


def client_address(request: Request) -> str:
    """The client's address for rate limits: the proxy's claim only when trusted."""
    state = web_state(request)
    if state.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return request.client.host if request.client else "unknown"
