"""RSS and Atom feeds: the cheapest way to watch a blog, a board or a gallery for new posts.

Many sites that host or link harmful media publish a feed (RSS 2.0, RSS 1.0
/RDF or Atom). One conditional request per poll (``If-None-Match`` /
``If-Modified-Since`` from the cursor) costs the site almost nothing when
nothing changed, which is what makes frequent polling polite.

Media is found where feeds put it: ``<enclosure>``, Media RSS
(``media:content``, ``media:thumbnail``), Atom ``<link rel="enclosure">``
and ``<img>``/``<video>`` inside the item's HTML. The HTML is parsed with
``html.parser``, since regular expressions miss quoting variants and
attributes in odd orders.

Feeds are untrusted XML, so they are parsed with ``defusedxml``: a document
that declares entities (the "billion laughs" bomb) or references external
ones is refused outright, because a normal feed never needs either. The
parse is incremental, so a feed that breaks half-way (truncated, or invalid
after some items) still yields the items before the break.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from idolguard.platforms import platform_for
from idolguard.sources.connectors.base import (
    Connector,
    Document,
    Found,
    JSONDict,
    Option,
    Poll,
    SourceError,
    WebAccess,
)
from idolguard.sources.connectors.common import (
    MAX_ENTRIES_PER_POLL,
    BoundedHTMLParser,
    absolute_http_url,
    clip,
    hashtags,
    img_source,
    looks_decorative,
    media_kind,
    merge_tags,
    posted_at,
    require_http_url,
)

__all__ = ["FEED_TYPES", "FeedConnector"]

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
)
MAX_FEED_BYTES = 5_000_000
# An item's HTML is cut to this before parsing: the caption keeps 5,000
# characters anyway, and the media of a real post sits well within it.
_MAX_ITEM_HTML_CHARS = 200_000
_MAX_MEDIA_PER_ITEM = 50

_ATOM = "http://www.w3.org/2005/Atom"
_ATOM_03 = "http://purl.org/atom/ns#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS_1 = "http://purl.org/rss/1.0/"
_RSS_09 = "http://my.netscape.com/rdf/simple/0.9/"
_DC = "http://purl.org/dc/elements/1.1/"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
# Media RSS; some feeds write the namespace without its trailing slash.
_MEDIA_NAMESPACES = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")

_HTML_START = (b"<!doctype html", b"<html")


class FeedConnector(Connector):
    """An RSS 2.0, RSS 1.0 (RDF) or Atom feed, read with conditional requests."""

    kind: ClassVar[str] = "feed"
    description: ClassVar[str] = (
        "an RSS or Atom feed: media from enclosures, Media RSS and images in the items' HTML"
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("url", "the feed's address (RSS 2.0, RSS 1.0/RDF or Atom)", required=True),
        Option(
            "capture_links",
            "for items that show no media, capture the item's page instead (forum feeds)",
            kind=bool,
            default=False,
        ),
    )

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self.url = require_http_url(self.kind, self.settings["url"])

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        """Fetch the feed unless unchanged since the cursor's validators, and list its media.

        The validators are saved only when the whole feed was read: if it
        broke half-way, the next poll reads it again instead of getting "not
        modified" and never seeing the items after the break.
        """
        etag = cursor.get("etag") if isinstance(cursor.get("etag"), str) else None
        modified = cursor.get("last_modified")
        last_modified = modified if isinstance(modified, str) else None
        document = web.get(
            self.url,
            max_bytes=MAX_FEED_BYTES,
            accept=FEED_TYPES,
            etag=etag,
            last_modified=last_modified,
        )
        if document.not_modified:
            return Poll(found=[], cursor=dict(cursor))
        found, warnings, complete = _read_feed(document, self.settings["capture_links"])
        new_cursor: JSONDict = {}
        if complete:
            if document.etag:
                new_cursor["etag"] = document.etag
            if document.last_modified:
                new_cursor["last_modified"] = document.last_modified
        else:
            new_cursor = dict(cursor)
        return Poll(found=found, cursor=new_cursor, warnings=warnings)


# --------------------------------------------------------------------------- the XML


@dataclass(frozen=True)
class _Dialect:
    """Where a feed flavour keeps its items. Their fields share the item's namespace."""

    atom: bool
    item_tags: frozenset[str]


_DIALECTS = {
    "rss": _Dialect(False, frozenset({"item"})),
    f"{{{_RDF}}}RDF": _Dialect(False, frozenset({f"{{{_RSS_1}}}item", f"{{{_RSS_09}}}item"})),
    f"{{{_ATOM}}}feed": _Dialect(True, frozenset({f"{{{_ATOM}}}entry"})),
    f"{{{_ATOM_03}}}feed": _Dialect(True, frozenset({f"{{{_ATOM_03}}}entry"})),
}


def _read_feed(document: Document, capture_links: bool) -> tuple[list[Found], list[str], bool]:
    """Entries, warnings, and whether the whole document was read.

    A document that is not a feed at all raises ``SourceError``; a feed that
    breaks after its start gives the entries read so far and a warning.
    """
    url = document.final_url
    body = document.body
    if not body.strip():
        raise SourceError(f"{url} answered with an empty document, not a feed")
    dialect: _Dialect | None = None
    found: list[Found] = []
    warnings: list[str] = []
    keys: set[str] = set()
    open_items = 0
    items = 0
    dropped = 0
    try:
        for event, element in SafeET.iterparse(io.BytesIO(body), events=("start", "end")):
            if dialect is None:
                dialect = _DIALECTS.get(element.tag)
                if dialect is None:
                    raise SourceError(
                        _not_a_feed(
                            url, body, f"its document element is <{_local(element.tag)[:50]}>"
                        )
                    )
            if element.tag not in dialect.item_tags:
                continue
            if event == "start":
                open_items += 1
                continue
            open_items -= 1
            if open_items:
                continue  # an item nested in an item is part of its parent
            items += 1
            for entry in _item_entries(element, dialect, url, capture_links):
                if entry.key in keys:
                    continue
                if len(found) >= MAX_ENTRIES_PER_POLL:
                    dropped += 1
                    continue
                keys.add(entry.key)
                found.append(entry)
            element.clear()  # keep memory flat on large feeds
    except DefusedXmlException as exc:
        raise SourceError(
            f"{url} was refused: it declares XML entities or references external ones "
            f"({type(exc).__name__}), which a feed never needs and an attack does"
        ) from None
    except ParseError as exc:
        if dialect is None:
            raise SourceError(_not_a_feed(url, body, f"not well-formed XML: {exc}")) from None
        warnings.append(
            f"{url} is not well-formed XML after {items} item(s) ({exc}); "
            "only the items before the error were read"
        )
        return _capped(found, dropped, warnings), warnings, False
    if dialect is None:
        raise SourceError(_not_a_feed(url, body, "no document element"))
    return _capped(found, dropped, warnings), warnings, True


def _capped(found: list[Found], dropped: int, warnings: list[str]) -> list[Found]:
    if dropped:
        warnings.append(
            f"the feed lists more media than one poll takes ({MAX_ENTRIES_PER_POLL}); "
            f"{dropped} were skipped"
        )
    return found


def _not_a_feed(url: str, body: bytes, problem: str) -> str:
    head = body[:1024].lstrip().lower()
    if head.startswith(_HTML_START) or b"<html" in head:
        return (
            f"{url} is a web page, not an RSS or Atom feed; give the page's feed address, "
            "or add the page as an html source"
        )
    return f"{url} is not an RSS or Atom feed ({problem})"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _ns(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _child_text(item: Element, namespace: str, *names: str) -> str | None:
    for name in names:
        value = _text(item.find(_ns(namespace, name)))
        if value:
            return value
    return None


def _media_elements(item: Element, name: str) -> Iterator[Element]:
    for namespace in _MEDIA_NAMESPACES:
        yield from item.iter(_ns(namespace, name))


# --------------------------------------------------------------------------- one item


@dataclass(frozen=True)
class _Media:
    url: str
    found_in: str


def _item_entries(item: Element, dialect: _Dialect, base: str, capture_links: bool) -> list[Found]:
    """The media of one item, each with the item's facts (link, author, text, date, tags)."""
    ns = _namespace(item.tag)
    atom = dialect.atom
    link = _atom_link(item, ns, base) if atom else None
    if link is None:
        link = absolute_http_url(base, _child_text(item, ns, "link"))
    if link is None and not atom:
        link = absolute_http_url(base, item.get(f"{{{_RDF}}}about"))
    guid = _child_text(item, ns, "id" if atom else "guid") or item.get(f"{{{_RDF}}}about")

    bodies = _item_bodies(item, ns, atom)
    caption = clip(
        next((body.text for body in bodies if body.text), None)
        or _text(next(_media_elements(item, "description"), None))
    )
    raw_title = _child_text(item, ns, "title")
    title = clip(_html_body(raw_title).text if raw_title and "<" in raw_title else raw_title)
    author: str | None = None
    if atom:
        author_element = item.find(_ns(ns, "author"))
        if author_element is not None:
            author = _child_text(author_element, ns, "name")
    else:
        # RSS <author> is "email (Name)"; dc:creator is the name people see, so it wins.
        author = _child_text(item, _DC, "creator") or _rss_author(_child_text(item, ns, "author"))
    uploader = clip(author or _child_text(item, _DC, "creator"), 200)
    date = _child_text(item, ns, "pubDate") or _child_text(item, _DC, "date")
    if atom:
        date = _child_text(item, ns, "published", "updated") or date
    categories = [
        value
        for element in item.findall(_ns(ns, "category"))
        if (value := (element.get("term") or element.get("label") or _text(element)))
    ]
    tags = merge_tags(hashtags(title, caption), categories)

    media: list[_Media] = []
    media.extend(_enclosures(item, ns, atom, base))
    media.extend(_media_rss(item, base, have_media=bool(media)))
    for body in bodies:
        for raw in body.media:
            url = absolute_http_url(base, raw)
            if url:
                media.append(_Media(url, "html"))

    item_id = guid or link
    page_url = link or base
    if not media and capture_links and link:
        # A forum feed often carries only the post's link; the page shows the media.
        media.append(_Media(link, "link"))
    entries: list[Found] = []
    seen: set[str] = set()
    for medium in media:
        if medium.url in seen or len(entries) >= _MAX_MEDIA_PER_ITEM:
            continue
        seen.add(medium.url)
        # The item and the media URL together, not a position: an edited post
        # that gains a picture at the top must not renumber the others.
        key = f"{item_id} {medium.url}" if item_id else medium.url
        entries.append(
            Found(
                key=key,
                media_url=medium.url,
                page_url=page_url,
                platform=platform_for(page_url),
                post_id=clip(guid, 1000),
                uploader=uploader,
                caption=caption,
                title=title,
                hashtags=tags,
                posted_at=posted_at(date),
                capture=medium.found_in == "link",
                extra={"found_in": medium.found_in},
            )
        )
    return entries


def _atom_link(item: Element, ns: str, base: str) -> str | None:
    for link in item.findall(_ns(ns, "link")):
        if link.get("rel", "alternate") == "alternate":
            url = absolute_http_url(base, link.get("href"))
            if url:
                return url
    return None


def _item_bodies(item: Element, ns: str, atom: bool) -> list[_Body]:
    """The item's text bodies, summary/description first, with the media their HTML shows.

    RSS descriptions are HTML by custom; Atom says which: ``html`` is escaped
    markup, ``xhtml`` arrives as XML elements, ``text`` is plain.
    """
    if not atom:
        texts = (_child_text(item, ns, "description"), _child_text(item, _CONTENT, "encoded"))
        return [_html_body(text) for text in texts if text]
    bodies: list[_Body] = []
    for name in ("summary", "content"):
        element = item.find(_ns(ns, name))
        if element is None:
            continue
        kind = (element.get("type") or "text").strip().lower()
        if kind == "xhtml":
            bodies.append(_xhtml_body(element))
        elif kind in ("html", "text/html"):
            text = _text(element)
            if text:
                bodies.append(_html_body(text))
        elif kind in ("text", "text/plain"):
            bodies.append(_Body(_text(element), ()))
    return bodies


def _accepted(media_type: str | None, medium: str | None, url: str) -> bool:
    """Whether a declared enclosure is an image or a video (not a podcast or a PDF).

    A declared type or medium decides; without one (or with the generic
    ``application/octet-stream``) the URL's file extension does.
    """
    medium = (medium or "").strip().lower()
    if medium:
        return medium in ("image", "video")
    declared = (media_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared.startswith(("image/", "video/"))
    return media_kind(url) is not None


def _enclosures(item: Element, ns: str, atom: bool, base: str) -> Iterator[_Media]:
    """RSS ``<enclosure>``; Atom ``<link rel="enclosure">`` and out-of-line ``<content src>``."""
    if atom:
        for link in item.findall(_ns(ns, "link")):
            if link.get("rel") == "enclosure":
                url = absolute_http_url(base, link.get("href"))
                if url and _accepted(link.get("type"), None, url):
                    yield _Media(url, "enclosure")
        content = item.find(_ns(ns, "content"))
        if content is not None and content.get("src"):
            url = absolute_http_url(base, content.get("src"))
            if url and _accepted(content.get("type"), None, url):
                yield _Media(url, "content")
        return
    for enclosure in item.findall(_ns(ns, "enclosure")):
        url = absolute_http_url(base, enclosure.get("url"))
        if url and _accepted(enclosure.get("type"), None, url):
            yield _Media(url, "enclosure")


def _media_rss(item: Element, base: str, *, have_media: bool) -> list[_Media]:
    """``media:content`` entries, or the thumbnails when there is no content to prefer.

    A thumbnail is a small rendition of the item's media: when the media
    itself is listed (as Media RSS content or as an enclosure), analysing the
    thumbnail too would only repeat it at a worse resolution.
    """
    content: list[_Media] = []
    for element in _media_elements(item, "content"):
        url = absolute_http_url(base, element.get("url"))
        if url and _accepted(element.get("type"), element.get("medium"), url):
            content.append(_Media(url, "media:content"))
    if content or have_media:
        return content
    thumbnails: list[_Media] = []
    for element in _media_elements(item, "thumbnail"):
        url = absolute_http_url(base, element.get("url"))
        if url:
            thumbnails.append(_Media(url, "media:thumbnail"))
    return thumbnails


# --------------------------------------------------------------------------- item HTML

_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED_TEXT_TAGS = frozenset({"script", "style", "template"})
_MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class _Body:
    """An item's text as a reader sees it, and the media URLs (as written) its markup shows."""

    text: str | None
    media: tuple[str, ...]


def _media_source(tag: str, attributes: Mapping[str, str]) -> str | None:
    """The media URL an ``img``/``video``/``source`` element shows, unless it is decoration.

    Feed items carry tracking pixels and emoji images; ``looks_decorative``
    keeps them out.
    """
    if tag == "img":
        source = img_source(attributes)
        if source and looks_decorative(
            source, width=attributes.get("width"), height=attributes.get("height")
        ):
            return None
        return source
    if tag in ("video", "source"):
        return attributes.get("src", "").strip() or None
    return None


def _readable(text: str) -> str | None:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line) or None


def _html_body(html: str) -> _Body:
    parser = _ItemHtml()
    parser.run(html[:_MAX_ITEM_HTML_CHARS])
    return _Body(_readable("".join(parser.parts)), tuple(parser.media))


def _xhtml_body(element: Element) -> _Body:
    media: list[str] = []
    for child in element.iter():
        if len(media) >= _MAX_MEDIA_PER_ITEM:
            break
        source = _media_source(_local(child.tag).lower(), {k.lower(): v for k, v in child.items()})
        if source:
            media.append(source)
    text = "".join(element.itertext())[:_MAX_TEXT_CHARS]
    return _Body(_readable(text), tuple(media))


class _ItemHtml(BoundedHTMLParser):
    """Collects the text and the media (img, video, source) of an item's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.chars = 0
        self.skip_depth = 0
        self.media: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tick()
        if tag in _SKIPPED_TEXT_TAGS:
            self.skip_depth += 1
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if len(self.media) >= _MAX_MEDIA_PER_ITEM:
            return
        attributes: dict[str, str] = {}
        for name, value in attrs:
            attributes.setdefault(name.lower(), value or "")
        source = _media_source(tag, attributes)
        if source:
            self.media.append(source)

    def handle_endtag(self, tag: str) -> None:
        self.tick()
        if tag in _SKIPPED_TEXT_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.tick()
        if self.skip_depth or self.chars >= _MAX_TEXT_CHARS:
            return
        self.parts.append(data)
        self.chars += len(data)


_RSS_AUTHOR = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^()]+)\)\s*$")


def _rss_author(value: str | None) -> str | None:
    """``"someone@example.com (Some One)"`` → ``"Some One"``; anything else as written."""
    if value is None:
        return None
    match = _RSS_AUTHOR.match(value)
    return match.group("name").strip() if match else value
