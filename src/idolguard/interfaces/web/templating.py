"""Server-rendered pages: one Jinja environment, autoescaped, with the request's language."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from idolguard.domain.takedowns.views import format_duration
from idolguard.interfaces.web.auth import Caller
from idolguard.interfaces.web.i18n import CATALOG, LANGUAGE_COOKIE, negotiate, translate
from idolguard.interfaces.web.state import web_state
from idolguard.signals.registry import presentation_for

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value.replace("T", " ")[:16]
    return value.strftime("%Y-%m-%d %H:%M")


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["when"] = _when
ENVIRONMENT.globals["format_duration"] = format_duration


def signal_label(lang: str, name: str) -> str:
    """A signal's name for people: the page's message if it has one, else the signal's own label.

    A plug-in signal brings its label (``Signal.explanation``); a name nobody knows is
    shown as it is stored.
    """
    key = f"review.signal.{name}"
    if key in CATALOG:
        return translate(lang, key)
    explanation = presentation_for(name).explanation
    if explanation is None:
        return name
    return explanation.label_ko if lang == "ko" else explanation.label_en


def language(request: Request) -> str:
    return negotiate(
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        web_state(request).settings.default_language,
    )


def render(
    request: Request,
    template: str,
    *,
    caller: Caller | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page; ``t``, ``signal_label``, ``lang``, ``caller``, ``can`` and ``csrf_token``
    are always there."""
    lang = language(request)
    html = ENVIRONMENT.get_template(template).render(
        request=request,
        lang=lang,
        t=partial(translate, lang),
        signal_label=partial(signal_label, lang),
        caller=caller,
        can=(caller.can if caller is not None else (lambda _action: False)),
        csrf_token=(caller.csrf_token or "") if caller is not None else "",
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
