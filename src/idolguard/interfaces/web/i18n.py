"""Korean and English: choosing the language for a request and looking up its messages.

Each page area keeps its messages in a module of ``messages`` (``MESSAGES``:
key -> {"en": ..., "ko": ...}); they are merged once here, and a key missing
in either language is an error at import time, not a blank on screen.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any

from idolguard.interfaces.web import messages as _messages_package

LANGUAGES = ("ko", "en")
LANGUAGE_COOKIE = "ig_lang"


def _load_catalog() -> dict[str, dict[str, str]]:
    catalog: dict[str, dict[str, str]] = {}
    for module_info in pkgutil.iter_modules(_messages_package.__path__):
        module = importlib.import_module(f"{_messages_package.__name__}.{module_info.name}")
        for key, texts in getattr(module, "MESSAGES", {}).items():
            if key in catalog:
                raise RuntimeError(f"message {key!r} is defined twice ({module_info.name})")
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                raise RuntimeError(f"message {key!r} lacks {', '.join(missing)}")
            catalog[key] = dict(texts)
    return catalog


CATALOG: Mapping[str, Mapping[str, str]] = _load_catalog()


def translate(lang: str, key: str, **values: Any) -> str:
    """The message in ``lang``; an unknown key raises so that tests catch it."""
    text = CATALOG[key][lang if lang in LANGUAGES else "en"]
    return text.format(**values) if values else text


def negotiate(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The cookie's choice, else the browser's first preference we speak, else ``default``."""
    if cookie in LANGUAGES:
        return cookie
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            choices.append((quality, -position, primary))
    return max(choices)[2] if choices else default
