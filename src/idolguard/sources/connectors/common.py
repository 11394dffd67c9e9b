"""Small helpers every connector needs, written once so all sources agree on them.

Evidence from different sources must read the same way: a date from an RSS
feed, a Reddit listing and a chat export is written as the same ISO 8601 UTC
string, a hashtag is extracted by the same rule whether it came from a
caption or a file name, and a URL is made absolute (or refused) the same way.
Connectors therefore never parse these things themselves; they call here.

The helpers that read source data are total on hostile input: odd types,
absurd values and overlong strings give ``None`` or an empty result, never an
exception, because a connector that crashes on one bad post loses the whole
poll. (Only ``require_http_url``, which checks configuration, raises.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from idolguard.platforms import host_of, platform_for
from idolguard.sources.connectors.base import SourceError
from idolguard.sources.pages import BoundedHTMLParser

__all__ = [
    "MAX_CAPTION_CHARS",
    "MAX_ENTRIES_PER_POLL",
    "MEDIA_EXTENSIONS",
    "BoundedHTMLParser",
    "absolute_http_url",
    "best_srcset_candidate",
    "clip",
    "declared_pixels",
    "hashtags",
    "img_source",
    "iso_utc",
    "looks_decorative",
    "media_kind",
    "merge_tags",
    "posted_at",
    "require_http_url",
    "same_site",
]

# One poll may not hand the monitor more than this many entries: a hostile or
# runaway source must not turn a poll into hours of downloads. What is left
# over is reported as a warning.
MAX_ENTRIES_PER_POLL = 500
# Captions are evidence, but a 5 MB "caption" is an attack, not a post.
MAX_CAPTION_CHARS = 5000

_MAX_URL_CHARS = 8192
_MAX_TAG_CHARS = 100
_MAX_TAGS = 50
_MAX_DATE_CHARS = 200

_IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif"})
_VIDEO_EXTENSIONS = frozenset({".mp4", ".webm", ".mov", ".m4v"})
MEDIA_EXTENSIONS = _IMAGE_EXTENSIONS | _VIDEO_EXTENSIONS


# --------------------------------------------------------------------------- dates

# Zone names that ``email.utils`` does not know but feeds in this field use.
# Ambiguous abbreviations (IST, BST) are deliberately absent: guessing wrong
# would put a wrong time into evidence; such dates stay as written. (CST is
# read as US Central, as RFC 822 defines it.)
_EXTRA_ZONES = {"KST": 9, "JST": 9, "HKT": 8, "SGT": 8, "CET": 1, "CEST": 2}
_NUMERIC_ZONE = re.compile(r"[+-]\d{4}")
# The zone names RFC 822 itself defines, which ``email.utils`` converts correctly.
_RFC822_ZONES = frozenset(
    {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
)
# Digit strings are unix timestamps only from nine digits on (1973): shorter ones
# are years or compact dates, not seconds since 1970.
_NUMBER = re.compile(r"\s*-?\d{9,13}(\.\d+)?\s*")
# Unix timestamps beyond this are taken as milliseconds (some exports write
# them so); 1e11 seconds is the year 5138, so no real date is misread.
_MILLISECONDS_FROM = 1e11


def iso_utc(value: object, *, assume_utc: bool = False) -> str | None:
    """``value`` as ``2026-11-25T10:00:00Z`` (UTC, whole seconds), or ``None`` if not a date.

    Understands unix timestamps (numbers or digit strings, seconds or
    milliseconds), RFC 822 dates as RSS writes them (``Wed, 25 Nov 2026
    19:00:00 +0900``, also ``GMT``, ``-0000`` and a few Asian zone names) and
    ISO 8601 (``2026-11-25T19:00:00+09:00``, ``...Z``). A time without a
    zone is ambiguous, since a Korean site usually means Korean time, so it
    gives ``None`` (callers keep it as written) unless ``assume_utc`` says the
    source is known to write UTC.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return _from_timestamp(float(value))
        except OverflowError:  # an int too large for a float
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    if _NUMBER.fullmatch(text):
        try:
            return _from_timestamp(float(text))
        except ValueError:
            return None
    parsed = _from_iso(text) or _from_rfc822(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        if not assume_utc:
            return None
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return None


def posted_at(value: object, *, assume_utc: bool = False) -> str | None:
    """ISO 8601 UTC when ``value`` parses (see ``iso_utc``), else the text as written."""
    normalised = iso_utc(value, assume_utc=assume_utc)
    if normalised is not None:
        return normalised
    if isinstance(value, str):
        return clip(" ".join(value.split()), _MAX_DATE_CHARS)
    return None


def _from_timestamp(seconds: float) -> str | None:
    if seconds != seconds:  # NaN
        return None
    if abs(seconds) >= _MILLISECONDS_FROM:
        seconds /= 1000.0
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(seconds))
    except (OverflowError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_iso(text: str) -> datetime | None:
    candidate = text
    if candidate[-1:] in ("Z", "z"):
        candidate = candidate[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _from_rfc822(text: str) -> datetime | None:
    """An RFC 822 date; naive when it names no zone, or one that cannot be trusted.

    ``email.utils.parsedate_tz`` reports a missing or unknown zone as UTC,
    which would silently shift a Korean site's local time by nine hours, so
    the zone is checked here first.
    """
    try:
        parts = parsedate_tz(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parts is None:
        return None
    zone = text.split()[-1].upper()
    offset: int | None = None
    if _NUMERIC_ZONE.fullmatch(zone) or zone in _RFC822_ZONES:
        offset = parts[9] or 0
    elif zone in _EXTRA_ZONES:
        offset = _EXTRA_ZONES[zone] * 3600
    try:
        moment = datetime(*parts[:6])
        if offset is None:
            return moment
        return moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    except (OverflowError, ValueError):
        return None


# --------------------------------------------------------------------------- text


def clip(text: object, limit: int = MAX_CAPTION_CHARS) -> str | None:
    """``text`` without NULs and outer whitespace, cut to ``limit`` characters; ``None`` if empty.

    Inner line breaks are kept: a caption is evidence and goes into a notice
    as written. A cut is marked with "…" (counted in ``limit``) so nobody
    mistakes a truncated caption for the whole post.
    """
    if not isinstance(text, str):
        return None
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        return None
    if len(cleaned) <= limit:
        return cleaned
    return cleaned[: max(0, limit - 1)].rstrip() + "…"


# "#" or the full-width U+FF03 common in CJK text, not inside a word ("C#",
# "page#top") or an HTML character reference ("&#39;"). \w is Unicode-aware,
# so Hangul (#에스파), kana and Han tags are found whole.
_HASH_SIGNS = "#\uff03"
_HASHTAG = re.compile(r"(?<![\w&/" + _HASH_SIGNS + r"])[" + _HASH_SIGNS + r"](\w{1,100})")


def hashtags(*texts: str | None) -> tuple[str, ...]:
    """The ``#tags`` in ``texts``, without the "#", first spelling kept, case-insensitively unique.

    All-digit tags ("#1", "#2024") are left out: they number things rather
    than tag them.
    """
    found: list[str] = []
    for text in texts:
        if not isinstance(text, str) or not any(sign in text for sign in _HASH_SIGNS):
            continue
        found.extend(m.group(1) for m in _HASHTAG.finditer(text) if not m.group(1).isdigit())
    return merge_tags(found)


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """Tags from several places (text, categories, keywords) as one clean, unique, bounded tuple.

    A leading "#" is dropped and inner whitespace collapsed so "#Karina" and
    the category "Karina" count once; at most 50 tags of 100 characters.
    """
    seen: set[str] = set()
    merged: list[str] = []
    for group in groups:
        for raw in group:
            if not isinstance(raw, str):
                continue
            tag = " ".join(raw.replace("\x00", "").split()).lstrip(_HASH_SIGNS).strip()
            if not tag or len(tag) > _MAX_TAG_CHARS:
                continue
            folded = tag.casefold()
            if folded in seen:
                continue
            seen.add(folded)
            merged.append(tag)
            if len(merged) >= _MAX_TAGS:
                return tuple(merged)
    return tuple(merged)


# --------------------------------------------------------------------------- URLs


def absolute_http_url(base: str | None, raw: object) -> str | None:
    """``raw`` resolved against ``base`` as an absolute http(s) URL without fragment, else ``None``.

    ``javascript:``, ``data:``, ``mailto:`` and the like give ``None``, as do
    URLs with a user name or password: the fetcher refuses those, and they
    must not end up in evidence records. Tabs and line breaks inside the URL
    are dropped, the way browsers do.
    """
    if not isinstance(raw, str):
        return None
    value = re.sub(r"[\t\n\r]", "", raw).strip()
    if not value or len(value) > _MAX_URL_CHARS:
        return None
    try:
        joined = urljoin(base, value) if base else value
        parts = urlsplit(joined)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


def require_http_url(kind: str, url: str) -> str:
    """The ``url`` option of a network source, checked when the source is added, not at poll."""
    checked = absolute_http_url(None, url)
    if checked is None:
        raise SourceError(
            f"{kind} sources need an absolute http(s) URL without user name or password, "
            f"not {url!r}"
        )
    return checked


def media_kind(url: str | None) -> Literal["image", "video"] | None:
    """ "image" or "video" when the URL's path ends in a media file extension, else ``None``."""
    if not url:
        return None
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return None
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    extension = path[dot:]
    if extension in _IMAGE_EXTENSIONS:
        return "image"
    if extension in _VIDEO_EXTENSIONS:
        return "video"
    return None


def same_site(url: str, other: str) -> bool:
    """Whether two URLs belong to one site: the same host, registrable domain or platform.

    Sites serve their media from sibling hosts (``img.example.co.kr`` for
    ``www.example.co.kr``, ``pstatic.net`` for ``naver.com``), so comparing
    hosts exactly would call nearly all of a site's own media foreign.
    """
    host, other_host = host_of(url), host_of(other)
    if not host or not other_host:
        return False
    return host == other_host or platform_for(url) == platform_for(other)


# --------------------------------------------------------------------------- images in HTML

# Below this many pixels on a side an image is an icon, a bullet or a tracking
# pixel: nothing that could show a person recognisably.
_MIN_PIXELS = 64
# Path words that mark page furniture rather than posted media. Whole words
# of the path (split at non-alphanumerics), so "logo.png" and
# "apple-touch-icon.png" match but "catalogue.jpg" does not.
_DECORATIVE_WORDS = frozenset(
    {"favicon", "sprite", "sprites", "logo", "logos", "icon", "icons", "emoji", "emojis", "spacer"}
)
# Vector and icon formats never carry a photo or a video frame.
_DECORATIVE_EXTENSIONS = (".svg", ".ico", ".cur")
_DIMENSION = re.compile(r"\s*(\d{1,6})(?:\.\d*)?\s*(?:px)?\s*")


def declared_pixels(value: str | None) -> int | None:
    """A ``width``/``height`` attribute in pixels ("120", "120px"); ``None`` for "50%" or "auto"."""
    if not value:
        return None
    match = _DIMENSION.fullmatch(value)
    return int(match.group(1)) if match else None


def looks_decorative(url: str, *, width: str | None = None, height: str | None = None) -> bool:
    """Whether an image is page furniture (icon, logo, spacer, tracking pixel), not posted media.

    The heuristic, cheap and deliberately conservative (a missed icon costs
    one wasted download, a skipped photo could be the deepfake): a declared
    width or height under 64 px; a path word such as favicon, sprite, logo,
    icon or emoji; or an SVG/ICO file.
    """
    for dimension in (width, height):
        pixels = declared_pixels(dimension)
        if pixels is not None and pixels < _MIN_PIXELS:
            return True
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return True
    if path.endswith(_DECORATIVE_EXTENSIONS):
        return True
    return any(word in _DECORATIVE_WORDS for word in re.split(r"[^a-z0-9]+", path))


def best_srcset_candidate(srcset: str | None) -> str | None:
    """The largest image a ``srcset`` offers (by width, else density), as written.

    Parsed by the HTML rules rather than split at commas, because image CDNs
    put commas inside URLs (``/w_800,h_600/photo.jpg``).
    """
    if not srcset:
        return None
    best: tuple[int, float, str] | None = None
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = position
            while position < length and srcset[position] != ",":
                position += 1
            descriptor = srcset[start:position].strip().lower()
        if not url:
            continue
        rank = _srcset_rank(descriptor)
        candidate = (rank[0], rank[1], url)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


def _srcset_rank(descriptor: str) -> tuple[int, float]:
    """Width descriptors outrank densities, which outrank none (1x); larger wins within a kind."""
    try:
        if descriptor.endswith("w"):
            return (2, float(descriptor[:-1]))
        if descriptor.endswith("x"):
            return (1, float(descriptor[:-1]))
    except ValueError:
        pass
    return (1, 1.0)


_LAZY_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src")


def img_source(attributes: Mapping[str, str]) -> str | None:
    """The best URL an ``<img>`` offers, as written: largest srcset, else lazy-load, else ``src``.

    Lazy-loading pages put a placeholder in ``src`` and the real picture in
    ``data-src``; responsive pages list sizes in ``srcset``. One URL per
    ``<img>``: listing every size would analyse the same picture many times.
    """
    for key in ("srcset", "data-srcset"):
        best = best_srcset_candidate(attributes.get(key))
        if best and not best.lower().startswith("data:"):
            return best
    for key in _LAZY_ATTRIBUTES:
        value = attributes.get(key, "").strip()
        if value:
            return value
    src = attributes.get("src", "").strip()
    return src or None
