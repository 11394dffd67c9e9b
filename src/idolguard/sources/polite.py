"""Polite, safe HTTP for continuous monitoring: robots.txt, per-host pacing, retries.

A one-off capture of a URL a fan reported is a person's request; monitoring
is a crawler, and crawlers get blocked (or hurt small forums) when they are
rude. Every request the monitor makes goes through ``PoliteWeb``:

* robots.txt is fetched once per host and cached (RFC 9309: a missing file
  allows everything; a server error disallows everything until it answers);
  its ``Crawl-delay`` (fractions too) lengthens the pause between requests.
  Rules are read by ``protego``, as RFC 9309 and the big crawlers read them:
  ``*`` wildcards, ``$`` end anchors, and the longest matching rule wins
  (``Allow`` on a tie). The standard library's parser does none of that, so
  ``Disallow: /*.jpg$`` meant nothing to it.
* ``HostGate`` lets at most ``per_host_concurrency`` requests run against one
  host, starting at least ``per_host_delay_seconds`` apart, and at most
  ``concurrency`` overall, whichever threads ask.
* Timeouts, connection failures, 429 and 5xx are retried with exponential
  backoff; ``Retry-After`` is honoured up to a cap, beyond which the host is
  left alone until the next run rather than holding up every other source.
* Sizes and Content-Types are checked before bodies are read, redirects are
  bounded, private networks are refused (``sources.fetch`` does this per hop).
* Cookies and tokens come only from the configured credentials file, are sent
  only over HTTPS to the host they were configured for, and are never stored.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from protego import Protego

from idolguard.config import MonitorSettings
from idolguard.media.types import MediaLimits
from idolguard.platforms import host_of
from idolguard.sources.capture import Capture, capture_url
from idolguard.sources.connectors.base import Document
from idolguard.sources.fetch import DEFAULT_USER_AGENT, Fetched, FetchError, FetchErrorCode, fetch

__all__ = ["ROBOTS_AGENT", "CredentialsError", "HostGate", "PoliteWeb", "load_credentials"]

# The token robots.txt rules name (``User-agent: IdolGuard``).
ROBOTS_AGENT = "IdolGuard"
MEDIA_TYPES = ("image/", "video/", "application/octet-stream", "binary/octet-stream")
_ROBOTS_MAX_BYTES = 512 * 1024
_ROBOTS_RETRY_SECONDS = 600.0  # an unreachable robots.txt is asked again after this
_RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_RETRIED_CODES = frozenset({FetchErrorCode.TIMEOUT, FetchErrorCode.UNREACHABLE})

_T = TypeVar("_T")


class CredentialsError(ValueError):
    """The credentials file is missing or malformed."""


def load_credentials(path: str) -> dict[str, dict[str, str]]:
    """Per-host request headers from a TOML file: ``["forum.example"]`` then ``Cookie = "..."``.

    Kept in a file of its own (mode 600, outside the repository and the
    database) because these are someone's login to a site.
    """
    if not path:
        return {}
    file = Path(path).expanduser()
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise CredentialsError(f"cannot read monitor.credentials_file {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CredentialsError(f"{file}: invalid TOML: {exc}") from None
    hosts: dict[str, dict[str, str]] = {}
    for host, headers in data.items():
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise CredentialsError(f'{file}: [{host}] must be a table of header = "value"')
        hosts[host.lower()] = dict(headers)
    return hosts


@dataclass
class _HostState:
    active: int = 0
    next_start: float = 0.0
    delay: float = 0.0
    closed_until: float = 0.0  # set by a long Retry-After: skip the host until then


class HostGate:
    """Admission control per host: bounded concurrency and a minimum gap between starts."""

    def __init__(
        self,
        *,
        per_host_delay: float,
        per_host_concurrency: int,
        concurrency: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_host_delay = per_host_delay
        self.per_host_concurrency = max(1, per_host_concurrency)
        self.concurrency = max(1, concurrency)
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._active = 0
        self._condition = threading.Condition()

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise one host's gap (a robots.txt ``Crawl-delay``); never below the default."""
        with self._condition:
            self._state(host).delay = max(self.per_host_delay, seconds)

    def close_for(self, host: str, seconds: float) -> None:
        with self._condition:
            state = self._state(host)
            state.closed_until = max(state.closed_until, self._clock() + seconds)
            self._condition.notify_all()

    def closed_for(self, host: str) -> float:
        """Seconds the host stays closed (0 when open)."""
        with self._condition:
            return max(0.0, self._state(host).closed_until - self._clock())

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one request slot for ``host``; blocks until the host's turn comes."""
        with self._condition:
            state = self._state(host)
            while True:
                now = self._clock()
                if state.closed_until > now:
                    raise _HostClosed(state.closed_until - now)
                free = state.active < self.per_host_concurrency and self._active < self.concurrency
                if free and now >= state.next_start:
                    break
                wait = state.next_start - now if free else None
                self._condition.wait(timeout=wait if wait is None else max(wait, 0.001))
            state.active += 1
            self._active += 1
            state.next_start = now + state.delay
        try:
            yield
        finally:
            with self._condition:
                state.active -= 1
                self._active -= 1
                self._condition.notify_all()

    def _state(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(delay=self.per_host_delay)
        return state


class _HostClosed(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


@dataclass
class _Robots:
    parser: Protego | None  # None: everything allowed
    disallow_all: bool
    fetched_at: float
    expires_at: float
    note: str = ""


@dataclass
class RequestLog:
    """How many requests were made, retried and refused; shown after a monitoring run."""

    requests: int = 0
    retries: int = 0
    robots_refusals: int = 0
    failures: list[str] = field(default_factory=list)


class PoliteWeb:
    """The one way monitoring reaches the web. Thread-safe; implements ``WebAccess``."""

    def __init__(
        self,
        settings: MonitorSettings,
        work_dir: Path,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        credentials: Mapping[str, Mapping[str, str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.work_dir = work_dir
        self.user_agent = user_agent
        self.credentials = {k.lower(): dict(v) for k, v in (credentials or {}).items()}
        self.gate = HostGate(
            per_host_delay=settings.per_host_delay_seconds,
            per_host_concurrency=settings.per_host_concurrency,
            concurrency=settings.concurrency,
            clock=clock,
        )
        self.log = RequestLog()
        self._sleep = sleep
        self._clock = clock
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}

    # ---------------------------------------------------------------- public API
    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document:
        """Read a page, feed or listing into memory (capped); conditional when given validators."""
        validators: dict[str, str] = {}
        if etag:
            validators["If-None-Match"] = etag
        if last_modified:
            validators["If-Modified-Since"] = last_modified
        dest = self._scratch()
        try:
            fetched = self.download(
                url,
                dest,
                max_bytes=min(max_bytes, self.settings.max_document_bytes),
                accept=accept,
                headers=validators,
            )
            body = b"" if fetched.status == 304 else fetched.path.read_bytes()
        finally:
            shutil.rmtree(dest, ignore_errors=True)
        return Document(
            url=url,
            final_url=fetched.final_url,
            status=fetched.status,
            content_type=fetched.content_type,
            body=body,
            etag=fetched.headers.get("etag") or (etag if fetched.status == 304 else None),
            last_modified=fetched.headers.get("last-modified")
            or (last_modified if fetched.status == 304 else None),
        )

    def download(
        self,
        url: str,
        dest_dir: Path,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = MEDIA_TYPES,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """Download ``url`` into ``dest_dir`` politely (robots, pacing, retries)."""
        request_headers = {**self._credentials_for(url), **dict(headers or {})}
        return self._polite(
            url,
            lambda: fetch(
                url,
                dest_dir,
                max_bytes=max_bytes,
                timeout=self.settings.timeout,
                max_redirects=self.settings.max_redirects,
                user_agent=self.user_agent,
                allow_private_addresses=self.settings.allow_private,
                headers=request_headers,
                accept=accept,
            ),
        )

    def capture(self, url: str, dest_dir: Path, limits: MediaLimits) -> Capture:
        """Capture the media a page shows (or the media at ``url``).

        The page's own media requests run inside the page's slot: a capture
        is one visit, paced as one request to the page's host.
        """
        return self._polite(
            url,
            lambda: capture_url(
                url,
                dest_dir,
                limits=limits,
                timeout=self.settings.timeout,
                allow_private_addresses=self.settings.allow_private,
                max_page_bytes=self.settings.max_document_bytes,
                user_agent=self.user_agent,
            ),
        )

    # ---------------------------------------------------------------- internals
    def _polite(self, url: str, attempt: Callable[[], _T]) -> _T:
        host = host_of(url)
        if host is None:
            raise FetchError(FetchErrorCode.BAD_URL, f"{url} is not an http(s) URL", url=url)
        self._check_robots(url, host)
        tries = 0
        while True:
            try:
                with self.gate.slot(host):
                    self.log.requests += 1
                    return attempt()
            except _HostClosed as closed:
                raise FetchError(
                    FetchErrorCode.HTTP_ERROR,
                    f"{host} asked us to wait {closed.seconds:.0f} s more (Retry-After); "
                    "it will be tried on the next run",
                    url=url,
                    status=429,
                ) from None
            except FetchError as exc:
                wait = self._retry_wait(exc, tries, host)
                if wait is None:
                    self.log.failures.append(str(exc))
                    raise
                tries += 1
                self.log.retries += 1
                self._sleep(wait)

    def _retry_wait(self, exc: FetchError, tries: int, host: str) -> float | None:
        """Seconds to wait before trying again, or ``None`` to give up now."""
        retriable = exc.code in _RETRIED_CODES or (
            exc.code is FetchErrorCode.HTTP_ERROR and exc.status in _RETRIED_STATUSES
        )
        if not retriable:
            return None
        if exc.retry_after is not None and exc.retry_after > self.settings.max_retry_after_seconds:
            self.gate.close_for(host, exc.retry_after)
            return None
        if tries >= self.settings.retries:
            return None
        backoff = self.settings.backoff_seconds * (1 << tries)
        backoff *= 1.0 + random.uniform(0.0, 0.25)  # many hosts failing together: spread retries
        return max(backoff, exc.retry_after or 0.0)

    def _credentials_for(self, url: str) -> dict[str, str]:
        host = host_of(url)
        if not host or not url.lower().startswith("https://"):
            return {}  # a cookie over plain HTTP is a cookie given away
        return dict(self.credentials.get(host, {}))

    def _check_robots(self, url: str, host: str) -> None:
        if not self.settings.obey_robots:
            return
        robots = self._robots_for(url, host)
        if robots.disallow_all:
            self.log.robots_refusals += 1
            raise FetchError(
                FetchErrorCode.ROBOTS,
                f"{host}'s robots.txt could not be read ({robots.note}); "
                "until it can, nothing is fetched from it",
                url=url,
            )
        if robots.parser is not None and not robots.parser.can_fetch(url, ROBOTS_AGENT):
            self.log.robots_refusals += 1
            raise FetchError(
                FetchErrorCode.ROBOTS,
                f"{host}'s robots.txt does not allow {ROBOTS_AGENT} to fetch {url}",
                url=url,
            )

    def _robots_for(self, url: str, host: str) -> _Robots:
        scheme, _, rest = url.partition("://")
        netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
        key = f"{scheme.lower()}://{netloc.lower()}"
        with self._robots_lock:
            lock = self._host_locks.setdefault(key, threading.Lock())
        with lock:  # one robots.txt fetch per host, however many threads ask
            cached = self._robots.get(key)
            if cached is not None and cached.expires_at > self._clock():
                return cached
            robots = self._fetch_robots(url, host, key)
            self._robots[key] = robots
            return robots

    def _fetch_robots(self, url: str, host: str, key: str) -> _Robots:
        now = self._clock()
        ttl = self.settings.robots_cache_hours * 3600.0
        robots_url = f"{key}/robots.txt"
        dest = self._scratch()
        try:
            with self.gate.slot(host):
                self.log.requests += 1
                fetched = fetch(
                    robots_url,
                    dest,
                    max_bytes=_ROBOTS_MAX_BYTES,
                    timeout=self.settings.timeout,
                    max_redirects=5,
                    user_agent=self.user_agent,
                    allow_private_addresses=self.settings.allow_private,
                )
            text = fetched.path.read_bytes().decode("utf-8", errors="replace")
        except _HostClosed as closed:
            return _Robots(None, True, now, now + closed.seconds, "the host asked us to wait")
        except FetchError as exc:
            if exc.code in (FetchErrorCode.BLOCKED_ADDRESS, FetchErrorCode.BAD_URL):
                exc.url = url
                raise  # the page itself would be refused the same way: say so plainly
            if exc.code is FetchErrorCode.HTTP_ERROR and exc.status and 400 <= exc.status < 500:
                return _Robots(None, False, now, now + ttl)  # no robots.txt: no rules
            if exc.code is FetchErrorCode.TOO_LARGE:
                return _Robots(None, False, now, now + ttl)  # RFC 9309 parses the first 500 KiB
            return _Robots(None, True, now, now + _ROBOTS_RETRY_SECONDS, str(exc))
        finally:
            shutil.rmtree(dest, ignore_errors=True)
        parser = Protego.parse(text)
        delay = parser.crawl_delay(ROBOTS_AGENT)
        if delay is not None and delay > 0:
            self.gate.set_delay(host, min(delay, 60.0))
        return _Robots(parser, False, now, now + ttl)

    def _scratch(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="monitor-", dir=self.work_dir))
