"""The one interface every source connector implements.

A *connector* knows one kind of place where harmful media turns up (a folder,
a feed, a forum listing, a chat export) and answers one question: what is
there now that was not there before? It returns ``Found`` entries (where the
media is, plus who posted it, when, and with which caption) and a new cursor.
It never downloads media, never touches the database and never decides what
is new: the monitor does that, so politeness, deduplication and evidence are
handled once, the same way for every source.

Network connectors read pages, feeds and listings only through ``WebAccess``,
which applies robots.txt, per-host rate limits, size and type checks, retries
and the private-network rule. A connector therefore cannot be impolite even
by mistake.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

JSONDict = dict[str, Any]


class SourceError(ValueError):
    """A source is misconfigured or its input cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class Found:
    """One piece of media seen at a source, with where and when, as evidence needs it.

    Exactly one of ``media_url`` and ``local_path`` is set. ``key`` identifies
    this sighting within its source (a post id and media index, a file path
    and size): the monitor skips keys it has already processed, so it must be
    stable across polls and differ between different media of one post.
    ``capture`` means ``media_url`` may be a web page that shows the media
    rather than the media itself (a URL list, a link post).
    """

    key: str
    media_url: str | None = None
    local_path: Path | None = None
    capture: bool = False
    page_url: str | None = None  # the post or page the media was seen on
    platform: str | None = None
    post_id: str | None = None
    uploader: str | None = None
    caption: str | None = None  # the post's text, as written
    title: str | None = None
    hashtags: tuple[str, ...] = ()
    posted_at: str | None = None  # ISO 8601 UTC when known, else as written by the source
    extra: Mapping[str, Any] = field(default_factory=dict)  # connector-specific, JSON-serialisable

    def __post_init__(self) -> None:
        if (self.media_url is None) == (self.local_path is None):
            raise ValueError("a Found entry needs exactly one of media_url and local_path")
        if not self.key:
            raise ValueError("a Found entry needs a key")

    def metadata(self) -> JSONDict:
        """The source facts that go into the sighting and the evidence manifest."""
        data: JSONDict = {
            "url": self.page_url or self.media_url,
            "media_url": self.media_url,
            "local_path": str(self.local_path) if self.local_path else None,
            "platform": self.platform,
            "post_id": self.post_id,
            "uploader": self.uploader,
            "caption": self.caption,
            "title": self.title,
            "hashtags": list(self.hashtags) or None,
            "posted_at": self.posted_at,
        }
        if self.extra:
            data["extra"] = dict(self.extra)
        return {k: v for k, v in data.items() if v is not None}


@dataclass
class Poll:
    """What one poll found. ``cursor`` is saved only after every entry has been handled."""

    found: list[Found]
    cursor: JSONDict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    """A page, feed or listing as fetched: the bytes (capped), and where they really came from.

    ``status`` 304 means "not modified since the validators you sent": ``body``
    is empty and there is nothing new.
    """

    url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class WebAccess(Protocol):
    """The polite HTTP reader connectors get (see ``idolguard.sources.polite``).

    ``get`` raises ``idolguard.sources.fetch.FetchError`` for anything that is
    not a usable answer (robots.txt refusal, HTTP errors after retries,
    timeouts, too large, wrong type).
    """

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document: ...


@dataclass(frozen=True)
class Option:
    """One setting a connector takes, for validation and for ``sources add --help``."""

    name: str
    help: str
    required: bool = False
    kind: type = str  # str, int, bool or list
    default: Any = None


class Connector(ABC):
    """Base class of all source connectors. Subclasses set the class attributes.

    ``__init__`` receives the options the user gave (already checked against
    ``options`` by ``validate_options``); ``poll`` must be safe to call again
    after a crash with the previous cursor: anything found twice is skipped by
    key, so returning too much is harmless and returning too little loses media.
    """

    kind: ClassVar[str]
    description: ClassVar[str]
    options: ClassVar[tuple[Option, ...]] = ()
    network: ClassVar[bool] = True  # False: reads local files only

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.settings: JSONDict = validate_options(type(self), options)

    @abstractmethod
    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        """List media seen since ``cursor``; network connectors read only through ``web``."""


def validate_options(connector: type[Connector], given: Mapping[str, Any]) -> JSONDict:
    """Check and normalise ``given`` against ``connector.options``; unknown names are refused."""
    known = {o.name: o for o in connector.options}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise SourceError(
            f"{connector.kind} sources take no option(s) {', '.join(unknown)}; "
            f"known: {', '.join(known) or 'none'}"
        )
    values: JSONDict = {}
    for name, option in known.items():
        raw = given.get(name)
        if raw is None or raw == "":
            if option.required:
                raise SourceError(f"{connector.kind} sources need {name}: {option.help}")
            values[name] = option.default
            continue
        values[name] = _coerce(connector.kind, option, raw)
    return values


def _coerce(kind: str, option: Option, raw: Any) -> Any:
    if option.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SourceError(f"{kind} option {option.name} must be true or false, not {raw!r}")
    if option.kind is int:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise SourceError(
                f"{kind} option {option.name} must be a whole number, not {raw!r}"
            ) from None
        if value < 0:
            raise SourceError(f"{kind} option {option.name} must not be negative")
        return value
    if option.kind is list:
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return [str(i).strip() for i in items if str(i).strip()]
    return str(raw)
