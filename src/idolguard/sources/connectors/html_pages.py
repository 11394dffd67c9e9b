"""Plain web pages (a board's list, a gallery, a blog) watched for the media they show.

Many places where harmful media is posted have no feed and no API, only
pages. This connector reads a page and the few pages after it (following the
page's own "next" link) and lists every image and video a visitor would see:
``<img>`` (its largest ``srcset`` size or lazy-load URL), ``<video>`` and its
``<source>``, links straight to media files, and the ``og:image``/``og:video``
a page advertises for itself.

Pages are read with the one page parser, ``idolguard.sources.pages.PageParser``
(title, ``<base>``, nesting, charset by ``decode_html``), extended here with
what monitoring needs beyond evidence capture's one best media URL: every
media URL with its own caption (the alt text) and the page's pagination link.

Pagination is bounded three ways: at most ``max_pages`` links are followed
(so at most ``max_pages + 1`` documents per poll), only on the starting host,
and never to a page already read in this poll (paginators that wrap around
to page 1, or redirect back, end the walk; so does a page showing exactly the
media of an earlier one, which is how boards answer a page number past
their end). The cursor stays empty: the
monitor skips media URLs it has already seen, so re-reading a page is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from idolguard.platforms import host_of, platform_for
from idolguard.sources.connectors.base import (
    Connector,
    Document,
    Found,
    Option,
    Poll,
    SourceError,
    WebAccess,
)
from idolguard.sources.connectors.common import (
    MAX_ENTRIES_PER_POLL,
    absolute_http_url,
    clip,
    hashtags,
    img_source,
    looks_decorative,
    media_kind,
    posted_at,
    require_http_url,
    same_site,
)
from idolguard.sources.fetch import FetchError
from idolguard.sources.pages import PageParser, decode_html

__all__ = ["PAGE_TYPES", "HtmlPagesConnector"]

PAGE_TYPES = ("text/html", "application/xhtml+xml")
MAX_PAGE_BYTES = 5_000_000
_MAX_MEDIA_PER_PAGE = 500
_MAX_LINK_TEXT_CHARS = 200
_MAX_TITLE_CHARS = 1000


class HtmlPagesConnector(Connector):
    """A web page and the pages its "next" links lead to, on the same host."""

    kind: ClassVar[str] = "html"
    description: ClassVar[str] = (
        "a web page (and the pages after it): every image and video it shows"
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("url", "the address of the first page to read", required=True),
        Option(
            "max_pages",
            "how many 'next page' links to follow on the same host (0: the first page only)",
            kind=int,
            default=3,
        ),
        Option(
            "same_host_media",
            "only list media served by the page's own site (its host, registrable domain "
            "or platform), not embedded from elsewhere",
            kind=bool,
            default=False,
        ),
    )

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self.url = require_http_url(self.kind, self.settings["url"])
        self.max_pages: int = self.settings["max_pages"]
        self.same_host_media: bool = self.settings["same_host_media"]

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        """Read the page and up to ``max_pages`` following ones; list the media they show.

        The first page failing is the source failing (the error goes to the
        monitor); a later page failing only ends the walk, with a warning.
        """
        found: list[Found] = []
        warnings: list[str] = []
        keys: set[str] = set()
        visited: set[str] = set()
        media_sets: set[frozenset[str]] = set()
        hosts = {host_of(self.url)}
        url: str | None = self.url
        fetched = 0
        while url is not None and fetched <= self.max_pages:
            try:
                document = web.get(url, max_bytes=MAX_PAGE_BYTES, accept=PAGE_TYPES)
            except FetchError as exc:
                if fetched == 0:
                    raise
                warnings.append(f"stopped following pages at {url}: {exc}")
                break
            fetched += 1
            if document.not_modified or document.final_url in visited:
                break  # redirected back to a page already read
            visited.update((url, document.final_url))
            if fetched == 1:
                hosts.add(host_of(document.final_url))
            if not _is_html(document):
                if fetched == 1:
                    raise SourceError(
                        f"{document.final_url} is {_main_type(document.content_type)}, "
                        "not a web page; html sources read HTML pages"
                    )
                warnings.append(f"stopped following pages at {url}: it is not a web page")
                break
            page = _read_page(document)
            media_set = frozenset(media.url for media in page.media)
            if media_set and media_set in media_sets:
                break  # the same page again under another address
            media_sets.add(media_set)
            for entry in self._entries(page):
                if entry.key in keys:
                    continue
                if len(found) >= MAX_ENTRIES_PER_POLL:
                    warnings.append(
                        f"more media than one poll takes ({MAX_ENTRIES_PER_POLL}); "
                        f"the rest of {page.url} and the pages after it were skipped"
                    )
                    return Poll(found=found, cursor={}, warnings=warnings)
                keys.add(entry.key)
                found.append(entry)
            url = page.next_url
            if url is not None and (url in visited or host_of(url) not in hosts):
                url = None  # a loop, or pagination wandering off to another site
        return Poll(found=found, cursor={}, warnings=warnings)

    def _entries(self, page: _Page) -> list[Found]:
        entries: list[Found] = []
        for media in page.media:
            if self.same_host_media and not same_site(media.url, page.url):
                continue
            caption = clip(media.caption) or page.description
            entries.append(
                Found(
                    key=media.url,
                    media_url=media.url,
                    page_url=page.url,
                    platform=platform_for(page.url),
                    uploader=page.uploader,
                    caption=caption,
                    title=page.title,
                    hashtags=hashtags(page.title, caption),
                    posted_at=page.posted_at,
                    extra={"found_in": media.found_in},
                )
            )
        return entries


def _main_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()[:100] or "of no declared type"


def _is_html(document: Document) -> bool:
    """A declared HTML type, or no type at all (the markup is then simply read as HTML)."""
    main = _main_type(document.content_type)
    return main in PAGE_TYPES or not document.content_type


# --------------------------------------------------------------------------- one page


@dataclass(frozen=True)
class _PageMedia:
    url: str
    caption: str | None
    found_in: str


@dataclass(frozen=True)
class _Page:
    url: str
    title: str | None
    description: str | None
    uploader: str | None
    posted_at: str | None
    media: list[_PageMedia]
    next_url: str | None


def _read_page(document: Document) -> _Page:
    parser = _ListingParser()
    parser.run(decode_html(document.body, document.content_type))
    return parser.page(document.final_url)


@dataclass
class _Candidate:
    """A media URL as written in the page, with what describes it and its declared size."""

    raw: str
    found_in: str
    caption: str | None = None
    width: str | None = None
    height: str | None = None


@dataclass
class _OpenLink:
    """An ``<a>`` being read: its text is known only at ``</a>``."""

    attributes: dict[str, str]
    media: _Candidate | None
    text: list[str] = field(default_factory=list)
    chars: int = 0
    inner_alt: str | None = None


# Ranks of pagination hints, most trustworthy first.
_RANK_LINK_REL = 0
_RANK_A_REL = 1
_RANK_WORD = 2
_RANK_ARROW = 3
_RANK_DOUBLE_ARROW = 4  # "»" sometimes means "last page", hence last
_NEXT_WORDS = frozenset({"next", "next page", "다음", "다음 페이지", "다음페이지"})
_SINGLE_ARROW = "\u203a"  # single right-pointing angle quotation mark
_DOUBLE_ARROW = "\u00bb"  # »
_ARROWS = _SINGLE_ARROW + _DOUBLE_ARROW + ">\u2192 "  # also > and →


def _next_rank(label: str) -> int | None:
    """How strongly a link's text (or aria-label/title) says "next page"; ``None``: not at all."""
    text = " ".join(label.split()).casefold()
    if not text:
        return None
    if text == _SINGLE_ARROW:
        return _RANK_ARROW
    if text == _DOUBLE_ARROW:
        return _RANK_DOUBLE_ARROW
    if text.strip(_ARROWS) in _NEXT_WORDS:
        return _RANK_WORD
    return None


class _ListingParser(PageParser):
    """The page parser, plus media candidates with their captions and the best "next" link.

    ``PageParser`` already follows the title, ``<base>``, ``<svg>`` and ``<video>``
    nesting and counts every event against its budget; this adds only what a
    listing needs, from the same single pass.
    """

    def __init__(self) -> None:
        super().__init__()
        # <meta> content by the key the tag declares itself as (property, else name).
        self.declared: dict[str, list[str]] = {}
        self.candidates: list[_Candidate] = []
        self.link: _OpenLink | None = None
        self.next_links: list[tuple[int, str]] = []

    # -- parser events (<meta> and <img> come back through _meta and _img)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag not in ("link", "a", "video", "source"):
            return
        attributes: dict[str, str] = {}
        for name, value in attrs:
            attributes.setdefault(name.lower(), value or "")
        if tag == "link":
            if "next" in attributes.get("rel", "").lower().split() and attributes.get("href"):
                self.next_links.append((_RANK_LINK_REL, attributes["href"]))
        elif tag == "a":
            self._open_link(attributes)
        elif tag == "video":
            self._video(attributes, "video")
        elif tag == "source":
            self._source(attributes)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag == "a":
            self._close_link()

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        link = self.link
        if link is not None and link.chars < _MAX_LINK_TEXT_CHARS:
            link.text.append(data)
            link.chars += len(data)

    # -- elements

    def _meta(self, attributes: dict[str, str]) -> None:
        super()._meta(attributes)
        content = attributes.get("content")
        if content is None:
            return
        key = (attributes.get("property") or attributes.get("name") or "").strip().lower()
        if not key:
            return
        values = self.declared.setdefault(key, [])
        if len(values) < 50:
            values.append(content)
        if key in ("og:image", "og:image:url", "og:image:secure_url"):
            self._candidate(_Candidate(content, "og:image"))
        elif key == "og:image:alt":
            # Open Graph structure: an og:image:* property describes the og:image before it.
            last = self._last("og:image")
            if last is not None and last.caption is None:
                last.caption = content
        elif key in ("og:image:width", "og:image:height"):
            last = self._last("og:image")
            if last is not None and key.endswith("width"):
                last.width = content
            elif last is not None:
                last.height = content
        elif key in ("og:video", "og:video:url", "og:video:secure_url"):
            self._candidate(_Candidate(content, "og:video"))

    def _img(self, attributes: dict[str, str]) -> None:
        super()._img(attributes)
        source = img_source(attributes)
        if not source:
            return
        caption = attributes.get("alt", "").strip() or attributes.get("title", "").strip()
        if self.link is not None and caption and self.link.inner_alt is None:
            self.link.inner_alt = caption
        self._candidate(
            _Candidate(
                source,
                "img",
                caption or None,
                attributes.get("width"),
                attributes.get("height"),
            )
        )

    def _video(self, attributes: dict[str, str], found_in: str) -> None:
        source = attributes.get("src", "").strip()
        if source:
            caption = attributes.get("title", "").strip() or attributes.get("aria-label", "")
            self._candidate(
                _Candidate(
                    source,
                    found_in,
                    caption.strip() or None,
                    attributes.get("width"),
                    attributes.get("height"),
                )
            )

    def _source(self, attributes: dict[str, str]) -> None:
        """``<source src>`` of a video; ``<picture>`` sources (srcset) repeat their ``<img>``."""
        declared = attributes.get("type", "").strip().lower()
        in_video = self.video_depth > 0 or declared.startswith("video/")
        if in_video or (not declared and media_kind(attributes.get("src")) == "video"):
            self._video(attributes, "video")

    def _open_link(self, attributes: dict[str, str]) -> None:
        self._close_link()  # <a> cannot nest; an unclosed one ends here
        href = attributes.get("href", "").strip()
        if href and "next" in attributes.get("rel", "").lower().split():
            self.next_links.append((_RANK_A_REL, href))
        media: _Candidate | None = None
        if href and media_kind(href) is not None:
            media = _Candidate(href, "link", attributes.get("title", "").strip() or None)
            self._candidate(media)
        self.link = _OpenLink(attributes, media)

    def _close_link(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        text = " ".join("".join(link.text).split())
        if link.media is not None and link.media.caption is None:
            link.media.caption = link.inner_alt or (text if "://" not in text else None)
        href = link.attributes.get("href", "").strip()
        if not href:
            return
        ranks = [
            rank
            for label in (text, link.attributes.get("aria-label"), link.attributes.get("title"))
            if label and (rank := _next_rank(label)) is not None
        ]
        if ranks:
            self.next_links.append((min(ranks), href))

    def _candidate(self, candidate: _Candidate) -> None:
        if len(self.candidates) < _MAX_MEDIA_PER_PAGE * 2:
            self.candidates.append(candidate)

    def _last(self, found_in: str) -> _Candidate | None:
        for candidate in reversed(self.candidates):
            if candidate.found_in == found_in:
                return candidate
        return None

    def _first_meta(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.declared.get(key, []):
                cleaned = " ".join(value.split())
                if cleaned:
                    return cleaned
        return None

    # -- result

    def page(self, url: str) -> _Page:
        self._close_link()
        base = url
        if self.base_href:
            base = absolute_http_url(url, self.base_href) or url
        title = " ".join("".join(self.title_parts).split()) or self._first_meta("og:title")
        video_declared = any(
            t.strip().lower().startswith("video/") for t in self.declared.get("og:video:type", [])
        )
        media: list[_PageMedia] = []
        seen: set[str] = set()
        for candidate in self.candidates:
            absolute = absolute_http_url(base, candidate.raw)
            if absolute is None or absolute in seen:
                continue
            if candidate.found_in == "og:video" and not (
                video_declared or media_kind(absolute) == "video"
            ):
                continue  # an embedded player page, not a video file
            if looks_decorative(absolute, width=candidate.width, height=candidate.height):
                continue
            seen.add(absolute)
            media.append(_PageMedia(absolute, candidate.caption, candidate.found_in))
            if len(media) >= _MAX_MEDIA_PER_PAGE:
                break
        next_url: str | None = None
        for _rank, href in sorted(self.next_links, key=lambda item: item[0]):
            next_url = absolute_http_url(base, href)
            if next_url is not None and next_url != url:
                break
            next_url = None
        return _Page(
            url=url,
            title=clip(title, _MAX_TITLE_CHARS),
            description=clip(self._first_meta("og:description", "description")),
            uploader=clip(self._first_meta("author", "article:author"), 200),
            posted_at=posted_at(self._first_meta("article:published_time")),
            media=media,
            next_url=next_url,
        )
