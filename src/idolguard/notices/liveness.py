"""Re-check reported URLs: is the content still there, gone, or can we not tell this time?

After a takedown notice is sent, each reported URL is fetched again (and again
later, to catch re-uploads at the same address). The answer matters beyond a
status page: a "removed" verdict starts the time-to-takedown figures a
platform is held to and decides whether a legal follow-up is sent. A false
"removed" closes a case on content that is still online, so only definitive
signals count as removal:

* the URL answers 404, 410 or 451;
* the page still loads but shows no image or video any more (or the media it
  links now answers 404/410/451);
* the URL serves media that the caller's comparison says is different content.

Everything ambiguous is ``INCONCLUSIVE`` and simply retried later: network
failures and timeouts, 5xx, 429, 401/403 (bot walls answer 403), and redirects
that end on a login page or on the site's front page. Those redirects usually
do mean the post is gone, but a bot wall or an age gate looks exactly the same,
so they are never reported as removal. Media that compares as the same or a
near-identical copy is ``LIVE`` wherever it was served from.

This module does no perceptual hashing: the caller's ``Comparer`` receives the
downloaded file and its SHA-256 and says whether it is the reported content.
Downloads are temporary: the page file is always deleted and the media file is
kept only on request (``keep_media``), so a check never leaves files behind.

Fetching goes through :func:`idolguard.sources.capture.capture_url` and inherits
its SSRF protection: a URL that resolves to a private address is not fetched
(``blocked_address``, inconclusive). That layer does not expose response
headers of failed requests, so ``Retry-After`` cannot be read; a 429 is given
a default back-off of an hour instead (``retry_after_seconds``) and other
failures none.

Re-checks must be polite: a platform with hundreds of reported URLs should not
see a burst of requests. :class:`HostPacer` spaces requests to the same host
and honours back-off requests.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from idolguard.media.types import MediaLimits
from idolguard.sources.capture import Capture, capture_url
from idolguard.sources.fetch import DEFAULT_USER_AGENT, FetchError, FetchErrorCode, Hop

__all__ = [
    "RATE_LIMIT_DEFAULT_RETRY_SECONDS",
    "Comparer",
    "Comparison",
    "HostPacer",
    "Outcome",
    "UrlCheck",
    "check_url",
]

# Used when a site answers 429: its Retry-After header is not available (see module docstring).
RATE_LIMIT_DEFAULT_RETRY_SECONDS = 3600.0

_REMOVED_MEANINGS = {404: "not found", 410: "gone", 451: "unavailable for legal reasons"}
_REMOVED_STATUSES = frozenset(_REMOVED_MEANINGS)
_AUTH_STATUSES = frozenset({401, 403})


class Outcome(StrEnum):
    """What a check concluded; stable strings for JSON output and the database."""

    LIVE = "live"  # the URL still serves this content (same bytes, or a near-identical copy)
    REMOVED = "removed"  # definitively gone from this URL
    INCONCLUSIVE = "inconclusive"  # could not tell this time; check again later


class Comparison(StrEnum):
    """The caller's judgement of downloaded media against the reported content."""

    SAME = "same"
    SIMILAR = "similar"
    DIFFERENT = "different"


# (downloaded media file, its sha256) -> (comparison, a short detail such as "PDQ distance 6")
Comparer = Callable[[Path, str], tuple[Comparison, str]]


@dataclass(frozen=True)
class UrlCheck:
    """The result of checking one reported URL once."""

    url: str
    outcome: Outcome
    reason: str  # a stable short code, e.g. "http_404", "same_media", "login_wall"
    detail: str  # one sentence for people
    http_status: int | None  # the final response for the URL itself (the page, when one)
    final_url: str | None  # the last URL that answered, after redirects
    hops: tuple[Hop, ...]
    media_url: str | None
    media_sha256: str | None
    comparison: Comparison | None
    checked_at: datetime  # aware UTC, when the check started
    elapsed_ms: int
    retry_after_seconds: float | None
    media_path: Path | None  # only with keep_media=True and media downloaded

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: enums as their strings, times as ISO-8601 with ``Z``."""
        return {
            "url": self.url,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "detail": self.detail,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "hops": [{"url": hop.url, "status": hop.status} for hop in self.hops],
            "media_url": self.media_url,
            "media_sha256": self.media_sha256,
            "comparison": self.comparison.value if self.comparison is not None else None,
            "checked_at": _iso_z(self.checked_at),
            "elapsed_ms": self.elapsed_ms,
            "retry_after_seconds": self.retry_after_seconds,
            "media_path": str(self.media_path) if self.media_path is not None else None,
        }


@dataclass(frozen=True)
class _Verdict:
    outcome: Outcome
    reason: str
    detail: str
    retry_after_seconds: float | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def check_url(
    url: str,
    compare: Comparer,
    *,
    dest_dir: Path,
    limits: MediaLimits,
    timeout: float = 20.0,
    allow_private_addresses: bool = False,
    user_agent: str = DEFAULT_USER_AGENT,
    keep_media: bool = False,
    clock: Callable[[], datetime] = _utc_now,
) -> UrlCheck:
    """Fetch ``url`` once and decide whether the reported content is still there.

    ``compare`` is called only when media was downloaded; an exception from it
    propagates (it is a caller bug), after the downloaded files are deleted.
    ``timeout`` bounds each network wait, not the whole check. Pacing is the
    caller's job (see :class:`HostPacer`).
    """
    checked_at = clock()
    if checked_at.tzinfo is None or checked_at.utcoffset() is None:
        raise ValueError("clock must return an aware datetime")
    checked_at = checked_at.astimezone(UTC)
    started = time.monotonic()

    def elapsed_ms() -> int:
        return max(0, round((time.monotonic() - started) * 1000))

    try:
        capture = capture_url(
            url,
            dest_dir,
            limits=limits,
            timeout=timeout,
            allow_private_addresses=allow_private_addresses,
            user_agent=user_agent,
        )
    except FetchError as exc:
        verdict = _judge_error(url, exc)
        return UrlCheck(
            url=url,
            outcome=verdict.outcome,
            reason=verdict.reason,
            detail=verdict.detail,
            http_status=exc.status,
            final_url=exc.hops[-1].url if exc.hops else None,
            hops=tuple(exc.hops),
            media_url=None,
            media_sha256=None,
            comparison=None,
            checked_at=checked_at,
            elapsed_ms=elapsed_ms(),
            retry_after_seconds=verdict.retry_after_seconds,
            media_path=None,
        )

    kept: Path | None = None
    try:
        comparison, note = _compare(compare, capture)
        if keep_media:
            kept = capture.media.path
    finally:
        if capture.page is not None:
            capture.page.path.unlink(missing_ok=True)
        if kept is None:
            capture.media.path.unlink(missing_ok=True)
    first = capture.page or capture.media  # the response for the reported URL itself
    verdict = _judge_media(url, first.hops, comparison, note, from_page=capture.page is not None)
    return UrlCheck(
        url=url,
        outcome=verdict.outcome,
        reason=verdict.reason,
        detail=verdict.detail,
        http_status=first.status,
        final_url=first.final_url,
        hops=tuple(first.hops),
        media_url=capture.media_url,
        media_sha256=capture.media.sha256,
        comparison=comparison,
        checked_at=checked_at,
        elapsed_ms=elapsed_ms(),
        retry_after_seconds=None,
        media_path=kept,
    )


def _compare(compare: Comparer, capture: Capture) -> tuple[Comparison, str]:
    raw_comparison, note = compare(capture.media.path, capture.media.sha256)
    return Comparison(raw_comparison), str(note).strip()


# --------------------------------------------------------------------------- classification


def _judge_media(
    url: str, hops: list[Hop], comparison: Comparison, note: str, *, from_page: bool
) -> _Verdict:
    where = "the page still shows" if from_page else "the URL still serves"
    suffix = f" ({note})" if note else ""
    if comparison is Comparison.SAME:
        return _Verdict(Outcome.LIVE, "same_media", f"{_cap(where)} the reported content{suffix}.")
    if comparison is Comparison.SIMILAR:
        return _Verdict(
            Outcome.LIVE,
            "similar_media",
            f"{_cap(where)} a near-identical copy of the reported content{suffix}.",
        )
    wall = _redirect_wall(url, hops)
    if wall is not None:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            wall.reason,
            f"{wall.detail}; the media there is not the reported content{suffix}.",
        )
    shown = "the page now shows" if from_page else "the URL now serves"
    return _Verdict(
        Outcome.REMOVED,
        "different_media",
        f"{_cap(shown)} different media, not the reported content{suffix}.",
    )


def _judge_error(url: str, exc: FetchError) -> _Verdict:
    code, status = exc.code, exc.status
    if code is FetchErrorCode.HTTP_ERROR and status == 429:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            "rate_limited",
            "The site is rate-limiting requests (HTTP 429); check again later.",
            RATE_LIMIT_DEFAULT_RETRY_SECONDS,
        )
    wall = _redirect_wall(url, exc.hops)
    if wall is not None:
        answered = ""
        if code is FetchErrorCode.HTTP_ERROR and status is not None:
            answered = f" (it answered HTTP {status})"
        return _Verdict(Outcome.INCONCLUSIVE, wall.reason, f"{wall.detail}{answered}.")
    if code is FetchErrorCode.HTTP_ERROR:
        return _judge_http_status(status)
    if code is FetchErrorCode.NOT_MEDIA:
        return _judge_not_media(exc)
    details = {
        FetchErrorCode.BAD_URL: "The URL cannot be fetched as written",
        FetchErrorCode.BLOCKED_ADDRESS: (
            "The URL resolves to a private or otherwise non-public address, which is not "
            "fetched unless allow_private = true is set under [watch] in idolguard.toml "
            "(for sites on your own network only); whether the content is online cannot be "
            "told from here"
        ),
        FetchErrorCode.UNREACHABLE: "The site could not be reached",
        FetchErrorCode.TIMEOUT: "The site did not answer in time",
        FetchErrorCode.TOO_LARGE: "The response is larger than the download limit",
        FetchErrorCode.TOO_MANY_REDIRECTS: "The URL redirects too many times",
    }
    lead = details.get(code, "The URL could not be fetched")
    return _Verdict(Outcome.INCONCLUSIVE, code.value, f"{lead} ({exc.message}).")


def _judge_http_status(status: int | None) -> _Verdict:
    if status is not None and status in _REMOVED_STATUSES:
        meaning = _REMOVED_MEANINGS[status]
        return _Verdict(
            Outcome.REMOVED, f"http_{status}", f"The URL answers HTTP {status} ({meaning})."
        )
    if status in _AUTH_STATUSES:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            f"http_{status}",
            f"The URL answers HTTP {status}, which may be a login or bot wall rather than removal.",
        )
    if status is not None and 500 <= status <= 599:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            "http_5xx",
            f"The site answered HTTP {status} (a server error); check again later.",
        )
    shown = f"HTTP {status}" if status is not None else "an HTTP error"
    return _Verdict(Outcome.INCONCLUSIVE, "http_error", f"The URL answers {shown}.")


# The exact wording comes from capture.capture_url; a change there makes these checks fail
# towards INCONCLUSIVE, never towards REMOVED.
_NO_MEDIA_LISTED = "shows no image or video URL that could be captured"
_NEITHER = "is neither an image, a video nor a web page"
_TRIED = "; tried: "
_TRIED_ENTRY = re.compile(
    r" \((" + "|".join(re.escape(code.value) for code in FetchErrorCode) + r"|not media): "
)
_ANSWERED_STATUS = re.compile(r"answered HTTP (\d{3})\b")
_MORE_ENTRIES = re.compile(r"; and \d+ more$")


def _judge_not_media(exc: FetchError) -> _Verdict:
    status = exc.status
    if status is None or not 200 <= status <= 299:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            "media_unavailable",
            f"No image or video could be captured ({exc.message}).",
        )
    message = exc.message
    if _NO_MEDIA_LISTED in message:
        return _Verdict(
            Outcome.REMOVED, "no_media", "The page still loads but shows no image or video."
        )
    if _NEITHER in message:
        return _Verdict(
            Outcome.INCONCLUSIVE,
            "not_media",
            "The URL answers with something that is neither an image, a video nor a web page.",
        )
    if _linked_media_gone(message):
        return _Verdict(
            Outcome.REMOVED,
            "no_media",
            "The page still loads, but every image or video it links is gone (HTTP 404, 410 "
            "or 451).",
        )
    return _Verdict(
        Outcome.INCONCLUSIVE,
        "media_unavailable",
        f"The page loads, but the media it links could not be fetched ({message}).",
    )


def _linked_media_gone(message: str) -> bool:
    """True when every media URL the page listed failed with 404/410/451, and all are known."""
    _, found, tried = message.partition(_TRIED)
    if not found or _MORE_ENTRIES.search(tried):
        return False
    codes = _TRIED_ENTRY.findall(tried)
    statuses = [int(value) for value in _ANSWERED_STATUS.findall(tried)]
    return (
        bool(codes)
        and all(code == FetchErrorCode.HTTP_ERROR.value for code in codes)
        and len(statuses) == len(codes)
        and all(value in _REMOVED_STATUSES for value in statuses)
    )


@dataclass(frozen=True)
class _Wall:
    reason: str
    detail: str


def _redirect_wall(url: str, hops: list[Hop]) -> _Wall | None:
    """A redirect that ended on a login page or the front page: often removal, never proof."""
    if len(hops) < 2:
        return None
    final = hops[-1].url
    if _looks_like_login(final):
        return _Wall(
            "login_wall",
            f"The URL redirects to a login page ({final}), which may be removal or a wall",
        )
    if _is_root(final) and not _is_root(url):
        return _Wall(
            "redirected_home",
            f"The URL redirects to the site's front page ({final}), which may be removal or a wall",
        )
    return None


_LOGIN_WORDS = ("login", "signin", "logon")
_LOGIN_SEGMENTS = frozenset({"auth", "authenticate", "sso", "oauth", "oauth2"})
_LOGIN_HOST_LABELS = frozenset({"login", "signin", "auth", "sso", "accounts"})


def _looks_like_login(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if host.split(".", 1)[0] in _LOGIN_HOST_LABELS and host.count(".") >= 1:
        return True
    for segment in parts.path.lower().split("/"):
        stem = segment.split(".", 1)[0].replace("-", "").replace("_", "")
        if not stem:
            continue
        if stem.startswith(_LOGIN_WORDS) or stem.endswith(_LOGIN_WORDS):
            return True
        if stem in _LOGIN_SEGMENTS:
            return True
    return False


def _is_root(url: str) -> bool:
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return False
    return path in ("", "/")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------- pacing


def _host_key(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return ""
    return (host or "").rstrip(".").lower()


class HostPacer:
    """At most one request per host every `min_interval` seconds; honours Retry-After deferrals.

    Hosts are keyed by lower-cased host name (URLs without one share the key
    ``""``). ``wait`` reserves the next slot for its host before sleeping, so
    threads sharing a pacer queue up behind each other instead of all waking at
    once, and a sleeping thread does not hold up other hosts.
    """

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not math.isfinite(min_interval) or min_interval < 0:
            raise ValueError("min_interval must be a finite number of seconds, 0 or more")
        self.min_interval = float(min_interval)
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}  # host -> earliest clock() for its next request
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Sleep as needed before a request to ``url``'s host; return the seconds slept."""
        key = _host_key(url)
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(key, now))
            self._next[key] = start + self.min_interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def defer(self, url: str, seconds: float) -> None:
        """The host asked us to back off: no request to it before now + ``seconds``."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite number, 0 or more")
        key = _host_key(url)
        with self._lock:
            until = self._clock() + seconds
            current = self._next.get(key)
            if current is None or until > current:
                self._next[key] = until

    def ready_in(self, url: str) -> float:
        """Seconds until a request to ``url``'s host is allowed (0 when it is allowed now)."""
        key = _host_key(url)
        with self._lock:
            allowed = self._next.get(key)
            return 0.0 if allowed is None else max(0.0, allowed - self._clock())
