"""Reading web pages: their bytes as text, and what a person would see on them.

Pages are hostile input. They are parsed with the standard library's
forgiving ``html.parser`` at a bounded cost (``BoundedHTMLParser``), and any
problem in hostile markup only means less is found, never an exception.
Bytes are decoded by the rules browsers use (``decode_html``).

``PageParser`` is the one page parser: evidence capture reads a ``PageInfo``
from it (``parse_page``), and the ``html`` source connector extends it with
what monitoring needs on top (every media URL with its caption, the next page).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

__all__ = ["BoundedHTMLParser", "PageInfo", "PageParser", "decode_html", "parse_page"]


@dataclass(frozen=True)
class PageInfo:
    """What a person would see on the page: who posted what, and which media it shows."""

    title: str | None
    canonical_url: str | None
    site_name: str | None
    uploader: str | None
    published_at: str | None  # as written on the page; formats vary too much to normalise
    media_urls: list[str]  # absolute, de-duplicated, best first (video before image)


def parse_page(
    html: bytes,
    base_url: str,
    *,
    max_bytes: int = 5_000_000,
    content_type: str | None = None,
) -> PageInfo:
    """Read title, uploader, dates and media URLs from a page; never raises on bad markup.

    The time a hostile page can cost is bounded: only the first ``max_bytes``
    are read; the text goes to ``html.parser`` in one ``feed`` (it rescans an
    unfinished construct on every call, so many small calls are quadratic);
    whatever it could not finish is cut short before ``close()``, which
    handles leftovers such as ``<?<?<?...`` in quadratic time; and parsing stops
    after a fixed number of tags and text runs (what evidence needs sits near
    the top of a page). A 5 MB hostile page takes a few seconds at most.

    The charset comes from a byte-order mark, then ``content_type`` (the HTTP
    header, when known), then a ``<meta>`` declaration, then UTF-8; bytes that
    do not decode become U+FFFD rather than errors.
    """
    data = bytes(html[: max(0, max_bytes)])
    parser = PageParser()
    parser.run(_decode_html(data, content_type))
    return parser.result(base_url)


class BoundedHTMLParser(HTMLParser):
    """``html.parser`` with a bounded cost, for parsing hostile markup.

    Subclasses call ``tick()`` at the top of every handler they define; after
    a fixed number of events parsing stops (what matters sits near the top).
    ``run`` feeds the text in one call (``html.parser`` rescans an unfinished
    construct on every ``feed``, so many small calls are quadratic) and cuts
    any unfinished leftover short before ``close()``, which is quadratic on
    input such as ``<?<?<?...``. Any exception inside the parser only ends
    parsing early: whatever was found so far is kept.
    """

    max_events = 250_000
    max_leftover = 8 * 1024

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events = 0

    def tick(self) -> None:
        self.events += 1
        if self.events > self.max_events:
            raise _EnoughParsing

    def handle_comment(self, data: str) -> None:
        self.tick()

    def handle_decl(self, decl: str) -> None:
        self.tick()

    def handle_pi(self, data: str) -> None:
        self.tick()

    def unknown_decl(self, data: str) -> None:
        self.tick()

    def run(self, text: str) -> None:
        try:
            self.feed(text)
            self.rawdata = self.rawdata[: self.max_leftover]
            self.close()
        except _EnoughParsing:
            pass
        except Exception:
            pass  # html.parser has raised on odd markup before; keep what was found


class _EnoughParsing(Exception):
    """Raised inside a parser to stop it once its event budget is spent."""


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.I
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.I)
# What browsers actually use for these labels (WHATWG Encoding): EUC-KR pages are
# decoded as Windows-949, Latin-1 as Windows-1252, and so on.
_CHARSET_ALIASES = {
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "korean": "cp949",
    "windows-949": "cp949",
    "x-windows-949": "cp949",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
}
# Python codecs that are not web text encodings (or are dangerous ones, like UTF-7).
_REFUSED_CODECS = frozenset(
    {"utf-7", "undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "mbcs"}
)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """A page's bytes as text, by the rules ``parse_page`` uses (BOM, header, ``<meta>``, UTF-8).

    Public so that source connectors with their own page parsers decode
    exactly as evidence capture does; never raises on bad bytes.
    """
    return _decode_html(data, content_type)


def _decode_html(data: bytes, content_type: str | None) -> str:
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(bom_encoding, errors="replace")
    declared: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            declared.append(match.group(1))
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        label = meta.group(1).decode("ascii", errors="replace")
        # A page cannot be declared UTF-16 from inside itself (it would not have
        # been readable as ASCII to find the declaration).
        declared.append("utf-8" if label.lower().startswith("utf-16") else label)
    for label in declared:
        encoding = _usable_encoding(label)
        if encoding is None:
            continue
        try:
            return data.decode(encoding, errors="replace")
        except Exception:
            continue  # an exotic codec misbehaving must not stop parsing
    return data.decode("utf-8", errors="replace")


def _usable_encoding(label: str) -> str | None:
    name = label.strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name in _REFUSED_CODECS:
        return None
    return info.name


_MAX_TEXT_CHARS = 1000
_MAX_URL_CHARS = 8192  # the longest URL worth keeping (fetch refuses longer ones too)
_MAX_VALUES_PER_KEY = 50
_MAX_MEDIA_CANDIDATES = 500
_MAX_JSONLD_CHARS = 256 * 1024
_MAX_JSONLD_BLOCKS = 10


class PageParser(BoundedHTMLParser):
    """Collects the few things evidence needs in one pass, without building a tree.

    No tree means no recursion, so a million nested ``<div>`` cost nothing more
    than their length. The one page parser: a reader that needs more from a
    page (the ``html`` source connector) subclasses it, calling ``super()`` in
    the handlers and in ``_meta``/``_img``, rather than parsing the page again.
    """

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.title_parts: list[str] = []
        self.title_chars = 0
        self.in_title = False
        self.title_seen = False
        self.svg_depth = 0
        self.video_depth = 0
        self.canonical: str | None = None
        self.base_href: str | None = None
        self.video_srcs: list[str] = []
        self.img_srcs: list[str] = []
        self.jsonld_blocks: list[str] = []
        self.jsonld_parts: list[str] | None = None
        self.jsonld_chars = 0
        self.author_parts: list[str] | None = None
        self.author_chars = 0
        self.author_text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tick()
        attributes: dict[str, str] = {}
        for name, value in attrs:
            attributes.setdefault(name.lower(), value or "")
        if tag == "svg":
            self.svg_depth += 1
        elif tag == "title":
            self.in_title = self.svg_depth == 0 and not self.title_seen
        elif tag == "meta":
            self._meta(attributes)
        elif tag == "link":
            rel = attributes.get("rel", "").lower().split()
            if "canonical" in rel and self.canonical is None and attributes.get("href"):
                self.canonical = attributes["href"]
        elif tag == "base":
            if self.base_href is None and attributes.get("href"):
                self.base_href = attributes["href"]
        elif tag == "video":
            self.video_depth += 1
            self._add(self.video_srcs, attributes.get("src"))
        elif tag == "source":
            if self.video_depth > 0:
                self._add(self.video_srcs, attributes.get("src"))
        elif tag == "img":
            self._img(attributes)
        elif (
            tag == "script"
            and attributes.get("type", "").strip().lower() == "application/ld+json"
            and len(self.jsonld_blocks) < _MAX_JSONLD_BLOCKS
        ):
            self.jsonld_parts = []
            self.jsonld_chars = 0
        itemprop = attributes.get("itemprop", "").strip().lower()
        if itemprop and tag != "meta":
            value = attributes.get("content") or attributes.get("datetime")
            if value:
                self._store(itemprop, value)
            elif itemprop == "author" and self.author_text is None:
                self.author_parts = []
                self.author_chars = 0

    def handle_endtag(self, tag: str) -> None:
        self.tick()
        if tag == "svg":
            self.svg_depth = max(0, self.svg_depth - 1)
        elif tag == "title" and self.in_title:
            self.in_title = False
            self.title_seen = bool(_clean("".join(self.title_parts)))
        elif tag == "video":
            self.video_depth = max(0, self.video_depth - 1)
        elif tag == "script" and self.jsonld_parts is not None:
            self.jsonld_blocks.append("".join(self.jsonld_parts))
            self.jsonld_parts = None
        if self.author_parts is not None:
            # The first closing tag ends the author element, or its innermost child
            # (<span itemprop="author"><span itemprop="name">...</span></span>).
            self.author_text = _clean("".join(self.author_parts))
            self.author_parts = None

    def handle_data(self, data: str) -> None:
        self.tick()
        # Running counts, not sums over the parts: hostile pages send data in tiny pieces.
        if self.in_title and self.title_chars < _MAX_TEXT_CHARS * 4:
            self.title_parts.append(data)
            self.title_chars += len(data)
        if self.jsonld_parts is not None and self.jsonld_chars < _MAX_JSONLD_CHARS:
            self.jsonld_parts.append(data)
            self.jsonld_chars += len(data)
        if self.author_parts is not None and self.author_chars < _MAX_TEXT_CHARS:
            self.author_parts.append(data)
            self.author_chars += len(data)

    def _meta(self, attributes: dict[str, str]) -> None:
        content = attributes.get("content")
        if content is None:
            return
        for key_attr in ("property", "name", "itemprop"):
            key = attributes.get(key_attr, "").strip().lower()
            if key:
                self._store(key, content)

    def _store(self, key: str, value: str) -> None:
        values = self.meta.setdefault(key, [])
        if len(values) < _MAX_VALUES_PER_KEY:
            values.append(value)

    def _img(self, attributes: dict[str, str]) -> None:
        for dimension in ("width", "height"):
            size = _declared_size(attributes.get(dimension))
            if size is not None and size <= 2:
                return  # a tracking pixel, not something a person sees
        src = attributes.get("src", "").strip()
        if not src or src.lower().startswith("data:"):
            # Lazy-loading pages keep the real URL aside and show a placeholder.
            for lazy in ("data-src", "data-original", "data-lazy-src"):
                if attributes.get(lazy, "").strip():
                    src = attributes[lazy]
                    break
        self._add(self.img_srcs, src)

    @staticmethod
    def _add(target: list[str], value: str | None) -> None:
        if value and len(target) < _MAX_MEDIA_CANDIDATES:
            target.append(value)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, []):
                cleaned = _clean(value)
                if cleaned:
                    return cleaned
        return None

    def result(self, base_url: str) -> PageInfo:
        if self.in_title:  # unclosed <title>
            self.title_seen = True
        base = base_url
        if self.base_href:
            candidate = _absolute(base_url, self.base_href)
            if candidate:
                base = candidate
        jsonld = _jsonld_facts(self.jsonld_blocks)
        title = _clean("".join(self.title_parts)) or self.first("og:title", "twitter:title")
        canonical = None
        for raw in (self.canonical, self.first("og:url")):
            if raw:
                canonical = _absolute(base, raw)
                if canonical:
                    break
        uploader = (
            self.first("author", "article:author", "twitter:creator")
            or self.author_text
            or jsonld.get("author")
        )
        published = self.first(
            "article:published_time",
            "og:video:release_date",
            "video:release_date",
            "datepublished",
            "uploaddate",
            "date",
            "pubdate",
            "publish-date",
            "dc.date",
        ) or jsonld.get("published")
        raw_media: list[str] = []
        for key in ("og:video:secure_url", "og:video", "og:video:url", "twitter:player:stream"):
            raw_media.extend(self.meta.get(key, []))
        raw_media.extend(self.video_srcs)
        for key in (
            "og:image:secure_url",
            "og:image",
            "og:image:url",
            "twitter:image",
            "twitter:image:src",
        ):
            raw_media.extend(self.meta.get(key, []))
        raw_media.extend(self.img_srcs)
        media: list[str] = []
        for raw in raw_media:
            url = _absolute(base, raw)
            if url and url not in media:
                media.append(url)
        return PageInfo(
            title=_truncate(title),
            canonical_url=canonical,
            site_name=_truncate(self.first("og:site_name", "application-name")),
            uploader=_truncate(uploader),
            published_at=_truncate(published),
            media_urls=media,
        )


def _declared_size(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.match(r"\s*(\d{1,6})", value)
    return int(match.group(1)) if match else None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.replace("\x00", " ").split())
    return cleaned or None


def _truncate(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= _MAX_TEXT_CHARS else text[: _MAX_TEXT_CHARS - 1] + "…"


def _absolute(base: str, raw: str) -> str | None:
    """An absolute http(s) URL without fragment, or ``None`` for anything else."""
    value = re.sub(r"[\t\n\r]", "", raw).strip()
    if not value or len(value) > _MAX_URL_CHARS or value.lower().startswith("data:"):
        return None
    try:
        joined = urljoin(base, value)
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


def _jsonld_facts(blocks: list[str]) -> dict[str, str]:
    """The author's name and publication date from JSON-LD, when they are plainly there."""
    facts: dict[str, str] = {}
    for block in blocks:
        text = block.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for node in _jsonld_nodes(data):
            if "author" not in facts:
                name = _author_name(node.get("author"))
                if name:
                    facts["author"] = name
            if "published" not in facts:
                for key in ("datePublished", "uploadDate"):
                    value = node.get(key)
                    if isinstance(value, str) and _clean(value):
                        facts["published"] = value.strip()
                        break
            if len(facts) == 2:
                return facts
    return facts


def _jsonld_nodes(data: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Objects at the top of a JSON-LD document and in its ``@graph``, shallowly."""
    if depth > 3:
        return
    if isinstance(data, list):
        for item in data[:50]:
            yield from _jsonld_nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if isinstance(graph, list):
            yield from _jsonld_nodes(graph, depth + 1)


def _author_name(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        return _clean(value)
    return None
