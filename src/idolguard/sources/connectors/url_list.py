"""A list of URLs to capture, one per line: a local text file, or one published on the web.

The simplest way fans report what they found is a list of links, kept in a
text file or shared as a plain-text document online. Each line is one URL,
optionally followed by a caption (what the reporter saw or why it matters):

    # reported 2026-11-25
    https://example.com/post/123    카리나 딥페이크 #에스파
    https://x.com/someone/status/1

The URLs usually point at pages, not media, so entries ask the monitor to
capture them (``capture=True``), which finds the image or video on the page.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from idolguard.platforms import platform_for
from idolguard.sources.connectors.base import (
    Connector,
    Found,
    JSONDict,
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
    require_http_url,
)
from idolguard.sources.connectors.local_files import WarningLog, read_capped

__all__ = ["MAX_FILE_BYTES", "MAX_LINES", "MAX_WEB_BYTES", "UrlListConnector"]

MAX_LINES = 100_000
# A list on the web is fetched on every poll (unless unchanged), so it is kept
# small; a local file costs nothing to read and may hold MAX_LINES long URLs.
MAX_WEB_BYTES = 2_000_000
MAX_FILE_BYTES = 16_000_000
_WEB_TYPES = ("text/plain",)
_MAX_SHOWN_LINE_CHARS = 100


@dataclass(frozen=True)
class _Line:
    url: str
    caption: str | None


class UrlListConnector(Connector):
    """URLs listed one per line in a local file (``path``) or a text file on the web (``url``).

    Blank lines and lines starting with ``#`` are ignored; a caption may
    follow the URL after a tab or spaces. Only http(s) URLs are taken (and
    none with a user name or password: they would end up in evidence).
    Invalid lines are reported with their line numbers; a URL listed twice is
    one entry, with the first line's caption. The key is the URL itself, so
    moving lines around or adding captions later creates no new sightings.

    A poll lists at most ``max_entries`` URLs (what the monitor handles in
    one run), so a long list is worked through over several polls. The
    cursor marks the block of URLs at the top of the list that has been
    listed (its size, last URL and a digest, see ``_Mark``): URLs added below
    it (appended) or above it (prepended, as "newest first" lists do) come
    next, and nothing is listed twice while the block is intact. An edit
    inside the block starts over from the top: the monitor skips what it has
    already processed, so that only costs polls, never a URL.

    A list on the web is fetched with the validators of the last poll, so an
    unchanged list costs one "not modified" answer; they are kept only once
    the whole list has been listed, or "not modified" would stop the rest.
    """

    kind = "urls"
    description = "A list of URLs to capture, one per line, in a local file or on the web."
    options = (
        Option("path", "a local text file (UTF-8) with one URL per line"),
        Option("url", "the address of a plain-text file on the web with one URL per line"),
    )

    max_entries: ClassVar[int] = MAX_ENTRIES_PER_POLL

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        path, url = self.settings["path"], self.settings["url"]
        if (path is None) == (url is None):
            raise SourceError(
                "urls sources need exactly one of path (a local file) and url (a file on the web)"
            )
        self.url = require_http_url(self.kind, url) if url is not None else None

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        mark = _Mark.from_cursor(cursor)
        if self.url is None:
            path = Path(str(self.settings["path"])).expanduser()
            body = read_capped(path, MAX_FILE_BYTES, "the URL list")
            return self._listing(body, str(path), mark, {})
        document = web.get(
            self.url,
            max_bytes=MAX_WEB_BYTES,
            accept=_WEB_TYPES,
            etag=_text(cursor.get("etag")),
            last_modified=_text(cursor.get("last_modified")),
        )
        if document.not_modified:
            return Poll([], dict(cursor))
        validators = {"etag": document.etag, "last_modified": document.last_modified}
        kept = {k: v for k, v in validators.items() if v}
        return self._listing(document.body, document.final_url, mark, kept)

    def _listing(self, body: bytes, where: str, mark: _Mark, validators: JSONDict) -> Poll:
        entries, warnings = _read(body, where)
        urls = list(entries)
        taken, after, left = _schedule(urls, mark, self.max_entries)
        cursor = after.to_cursor()
        if left:
            warnings.append(
                f"{left} URLs of the list are not listed yet (at most {self.max_entries} "
                "per poll); the next polls continue"
            )
        else:
            cursor.update(validators)
        return Poll([_found(entries[url]) for url in taken], cursor, warnings)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read(body: bytes, where: str) -> tuple[dict[str, _Line], list[str]]:
    """The list's URLs in order (the first line of a URL listed twice wins), and warnings."""
    warnings = WarningLog()
    entries: dict[str, _Line] = {}
    for number, line in enumerate(_lines(body, where), start=1):
        parsed = _parse(line)
        if isinstance(parsed, _Line):
            entries.setdefault(parsed.url, parsed)
        elif parsed:
            shown = line.strip()[:_MAX_SHOWN_LINE_CHARS]
            warnings.add(f"line {number} of {where}: {shown!r} {parsed}; skipped")
    return entries, warnings.lines()


@dataclass(frozen=True)
class _Mark:
    """The block of ``count`` URLs already listed, ending with ``last``, with its ``digest``.

    The last URL finds the block again after lines were added above it; the
    digest proves the block is still the same, unedited.
    """

    count: int = 0
    last: str = ""
    digest: str = ""

    @classmethod
    def from_cursor(cls, cursor: Mapping[str, Any]) -> _Mark:
        count, last, digest = cursor.get("count"), cursor.get("last"), cursor.get("digest")
        if (
            isinstance(count, int)
            and not isinstance(count, bool)
            and count > 0
            and isinstance(last, str)
            and isinstance(digest, str)
        ):
            return cls(count, last, digest)
        return cls()  # none yet, or malformed: start from the top

    @classmethod
    def of(cls, urls: list[str]) -> _Mark:
        return cls(len(urls), urls[-1], _digest(urls)) if urls else cls()

    def to_cursor(self) -> JSONDict:
        return {"count": self.count, "last": self.last, "digest": self.digest} if self.count else {}

    def added_above(self, urls: list[str], positions: Mapping[str, int]) -> int | None:
        """How many URLs now stand above the block, or ``None`` when it was edited."""
        if not self.count:
            return 0
        end = positions.get(self.last)
        if end is None or end + 1 < self.count:
            return None
        start = end + 1 - self.count
        return start if _digest(urls[start : end + 1]) == self.digest else None


def _digest(urls: list[str]) -> str:
    return hashlib.sha256("\n".join(urls).encode()).hexdigest()


def _schedule(urls: list[str], mark: _Mark, cap: int) -> tuple[list[str], _Mark, int]:
    """The URLs to list now (new ones above the block, then below it), the mark after, and
    how many URLs are left for later polls.

    The listed URLs and the block always form one block at the top afterwards,
    unless more URLs were added above than one poll takes: then the mark is
    the top ``cap`` URLs, and the old block is listed once more later on.
    """
    above = mark.added_above(urls, {url: i for i, url in enumerate(urls)})
    if above is None:
        above, mark = len(urls), _Mark()  # edited inside the block: everything again
    below = above + mark.count
    pending = urls[:above] + urls[below:]
    taken = pending[:cap]
    if len(taken) < above:
        return taken, _Mark.of(taken), len(pending) - len(taken)
    return taken, _Mark.of(urls[: below + len(taken) - above]), len(pending) - len(taken)


def _lines(body: bytes, where: str) -> list[str]:
    """The file's lines, refusing anything that is not UTF-8 text of a sane length.

    A byte order mark is dropped (Notepad writes one). The line number of an
    undecodable byte is given, so the person can find it.
    """
    data = body.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{where} is not UTF-8 text (line {line}); save the list as UTF-8"
        ) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_LINES:
        raise SourceError(
            f"{where} has {len(lines)} lines; a URL list may have at most {MAX_LINES}, "
            "split it into several sources"
        )
    return lines


def _parse(line: str) -> _Line | str | None:
    """A URL and its caption, ``None`` for a blank or comment line, else why the line is bad."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    raw, *caption = text.split(maxsplit=1)  # any whitespace: tabs, spaces, U+3000
    url = absolute_http_url(None, raw)
    if url is None:
        return "is not an http(s) URL (without user name or password)"
    return _Line(url, clip(caption[0]) if caption else None)


def _found(entry: _Line) -> Found:
    return Found(
        key=entry.url,
        media_url=entry.url,
        capture=True,
        page_url=entry.url,
        platform=platform_for(entry.url),
        caption=entry.caption,
        hashtags=hashtags(entry.caption),
    )
