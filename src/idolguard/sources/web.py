"""Capture a URL seen online as evidence: the bytes, and exactly where they came from.

A takedown notice or a court needs more than a file: it needs to know which URL
was asked for, every redirect the server answered with, the address that finally
served the bytes, the HTTP status and headers, and when this happened. So
``fetch`` follows redirects itself and records each hop, streams the body to a
file while hashing it (the SHA-256 ties the file to this record), and stamps the
time in UTC. ``capture_url`` adds what a person would see on a page: its title,
who uploaded it, and the image or video it shows, which is then fetched too.

The URLs come from fans, and a server will fetch them later, so fetching is
also an attack surface:

* SSRF: a URL (or any redirect on the way) naming ``localhost``, a private
  network or a cloud metadata address would make the server reach inside its
  own network. Every hop's host is resolved, every address is checked, and the
  connection goes to the address that was checked (the ``Host`` header and TLS
  name stay the real host), so DNS that answers differently the second time
  cannot slip past the check.
* Size: bodies are streamed to disk under a byte cap, never held in memory,
  and a declared ``Content-Length`` over the cap is refused before reading.
* Secrets: URLs with credentials are refused (they would end up in evidence
  records), cookies are kept only for one capture, and the recorded headers
  are a short allow-list that never includes cookies.

Pages are parsed with the standard library's forgiving ``html.parser`` and any
problem in hostile markup only means less is found, never an exception.
"""

from __future__ import annotations

import codecs
import hashlib
import ipaddress
import json
import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from html.parser import HTMLParser
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from idolguard.media.sniff import sniff
from idolguard.media.types import MediaError, MediaLimits
from idolguard.platforms import platform_for

__all__ = [
    "DEFAULT_USER_AGENT",
    "BoundedHTMLParser",
    "Capture",
    "FetchError",
    "FetchErrorCode",
    "Fetched",
    "Hop",
    "PageInfo",
    "capture_url",
    "decode_html",
    "fetch",
    "parse_page",
]

DEFAULT_USER_AGENT = "IdolGuard-evidence/0.1 (+https://github.com/idolguard)"

_CHUNK_BYTES = 64 * 1024
_MAX_URL_CHARS = 8192
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A host with many addresses is tried on a few of them only: each try can cost a timeout.
_MAX_ADDRESSES_TRIED = 4
# A page can list hundreds of <img>; the first ones are the ones that matter.
_MAX_MEDIA_ATTEMPTS = 20
_MAX_HEADER_VALUE_CHARS = 1024
_MAX_EXTRA_HEADERS = 32


class FetchErrorCode(StrEnum):
    """Why a URL could not be captured; stable strings for JSON output and the database."""

    BAD_URL = "bad_url"
    BLOCKED_ADDRESS = "blocked_address"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    NOT_MEDIA = "not_media"
    WRONG_TYPE = "wrong_type"
    ROBOTS = "robots"


class FetchError(RuntimeError):
    """A URL that could not be captured. The message names the URL and is meant for people.

    ``url`` is the URL that was asked for; the message also names the redirect
    target when that is where it failed. ``status`` is set for HTTP errors.

    ``hops`` holds the responses received before the failure: a 404 or a
    redirect to a login page is itself worth recording (the post was removed).
    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one
    with a 429 or 503 answer.
    """

    def __init__(
        self,
        code: FetchErrorCode | str,
        message: str,
        *,
        url: str,
        status: int | None = None,
        hops: list[Hop] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = FetchErrorCode(code)
        self.message = message
        self.url = url
        self.status = status
        self.hops: list[Hop] = list(hops or [])
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat the default exception pickling, and
        # errors cross process boundaries when captures run in workers.
        return (
            _rebuild_fetch_error,
            (self.code.value, self.message, self.url, self.status, self.hops, self.retry_after),
        )


def _rebuild_fetch_error(
    code: str,
    message: str,
    url: str,
    status: int | None,
    hops: list[Hop],
    retry_after: float | None = None,
) -> FetchError:
    return FetchError(code, message, url=url, status=status, hops=hops, retry_after=retry_after)


@dataclass(frozen=True)
class Hop:
    """One response on the way to the bytes: the URL asked for and the status it answered."""

    url: str
    status: int


@dataclass(frozen=True)
class Fetched:
    """Bytes on disk plus the provenance that makes them evidence."""

    requested_url: str
    final_url: str
    hops: list[Hop]  # every response, the final one included, in order
    status: int
    content_type: str | None
    headers: dict[str, str]  # an allow-list (see _selected_headers); never cookies
    path: Path
    size_bytes: int
    sha256: str
    fetched_at: datetime  # aware UTC, when the final response's headers arrived


@dataclass(frozen=True)
class PageInfo:
    """What a person would see on the page: who posted what, and which media it shows."""

    title: str | None
    canonical_url: str | None
    site_name: str | None
    uploader: str | None
    published_at: str | None  # as written on the page; formats vary too much to normalise
    media_urls: list[str]  # absolute, de-duplicated, best first (video before image)


@dataclass(frozen=True)
class Capture:
    """A captured URL: the page (when it was one) and the media bytes it led to."""

    page: Fetched | None
    page_info: PageInfo | None
    media: Fetched
    media_url: str


# --------------------------------------------------------------------------- fetching


def fetch(
    url: str,
    dest_dir: Path,
    *,
    max_bytes: int,
    timeout: float = 20.0,
    max_redirects: int = 10,
    user_agent: str = DEFAULT_USER_AGENT,
    allow_private_addresses: bool = False,
    client: httpx.Client | None = None,
    referer: str | None = None,
    headers: Mapping[str, str] | None = None,
    accept: tuple[str, ...] = (),
) -> Fetched:
    """Download ``url`` into a new file in ``dest_dir``, recording every hop on the way.

    ``timeout`` bounds each network wait (connect, each read), not the whole
    transfer: a large video on a slow link may legitimately take longer.
    ``allow_private_addresses`` exists for tests and trusted intranet use; a
    server fetching user-submitted URLs must leave it off. A ``client`` given
    by the caller is used as is (its proxies included) and is not closed.
    ``referer`` is sent the way a browser would when loading a page's media,
    which some image hosts require. ``headers`` are extra request headers
    (validators such as ``If-None-Match``, credentials from configuration);
    they are sent to the first host only, never across a redirect to another.
    ``accept`` lists Content-Type prefixes (``"image/"``, ``"application/json"``):
    any other declared type is refused before the body is read. A response
    without a Content-Type passes, since the bytes are checked afterwards.
    """
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")

    def cap_for(content_type: str | None) -> int:
        if accept and content_type and not _type_accepted(content_type, accept):
            raise FetchError(
                FetchErrorCode.WRONG_TYPE,
                f"{url} is {content_type.split(';')[0].strip()[:100]}, "
                f"not one of {', '.join(accept)}",
                url=url,
            )
        return max_bytes

    with _Session(
        client,
        timeout=timeout,
        user_agent=user_agent,
        allow_private=allow_private_addresses,
        extra_headers=headers,
    ) as session:
        return session.fetch(
            url, dest_dir, cap_for=cap_for, max_redirects=max_redirects, referer=referer
        )


def _type_accepted(content_type: str, accept: tuple[str, ...]) -> bool:
    declared = content_type.split(";")[0].strip().lower()
    return any(declared.startswith(prefix.lower()) for prefix in accept)


def capture_url(
    url: str,
    dest_dir: Path,
    *,
    limits: MediaLimits,
    timeout: float = 20.0,
    allow_private_addresses: bool = False,
    max_page_bytes: int = 5_000_000,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Capture:
    """Capture the image or video at ``url``, or the one shown by the page at ``url``.

    The bytes decide (``sniff``), not the server's Content-Type. For a page, its
    media URLs are tried best first (at most 20) until one really is an image
    or a video; each failure is listed in the ``not_media`` error. A response
    labelled HTML may be at most ``max_page_bytes``; media at most
    ``limits.max_file_bytes``. On any failure no file is left in ``dest_dir``:
    a half capture without its record would be an orphan nobody can vouch for.
    """
    created: list[Path] = []
    succeeded = False
    with _Session(
        None, timeout=timeout, user_agent=user_agent, allow_private=allow_private_addresses
    ) as session:
        try:
            first = session.fetch(
                url,
                dest_dir,
                cap_for=lambda ct: max_page_bytes if _is_html_type(ct) else limits.max_file_bytes,
                max_redirects=10,
            )
            created.append(first.path)
            reason = _not_media_reason(first.path, limits)
            if reason is None:
                succeeded = True
                return Capture(page=None, page_info=None, media=first, media_url=url)
            if not _is_html(first):
                raise FetchError(
                    FetchErrorCode.NOT_MEDIA,
                    f"{url} is neither an image, a video nor a web page ({reason})",
                    url=url,
                    status=first.status,
                    hops=first.hops,
                )
            with first.path.open("rb") as fp:
                html = fp.read(max_page_bytes)
            info = parse_page(
                html, first.final_url, max_bytes=max_page_bytes, content_type=first.content_type
            )
            tried: list[str] = []
            for candidate in info.media_urls[:_MAX_MEDIA_ATTEMPTS]:
                if candidate == first.final_url:
                    continue
                try:
                    media = session.fetch(
                        candidate,
                        dest_dir,
                        cap_for=lambda _ct: limits.max_file_bytes,
                        max_redirects=10,
                        referer=first.final_url,
                    )
                except FetchError as exc:
                    tried.append(f"{candidate} ({exc.code.value}: {exc.message})")
                    continue
                created.append(media.path)
                reason = _not_media_reason(media.path, limits)
                if reason is None:
                    succeeded = True
                    return Capture(page=first, page_info=info, media=media, media_url=candidate)
                media.path.unlink(missing_ok=True)
                tried.append(f"{candidate} (not media: {reason})")
            raise FetchError(
                FetchErrorCode.NOT_MEDIA,
                _no_media_message(first.final_url, info, tried),
                url=url,
                status=first.status,
                hops=first.hops,
            )
        finally:
            if not succeeded:
                for path in created:
                    path.unlink(missing_ok=True)


def _no_media_message(page_url: str, info: PageInfo, tried: list[str]) -> str:
    if not tried:
        return f"the page {page_url} shows no image or video URL that could be captured"
    shown = tried[:10]
    more = f"; and {len(tried) - len(shown)} more" if len(tried) > len(shown) else ""
    skipped = len(info.media_urls) - _MAX_MEDIA_ATTEMPTS
    rest = f" ({skipped} further URLs were not tried)" if skipped > 0 else ""
    return (
        f"no image or video could be captured from the page {page_url}{rest}; tried: "
        + "; ".join(shown)
        + more
    )


def _not_media_reason(path: Path, limits: MediaLimits) -> str | None:
    """``None`` when the file is a supported image or video, else why not (from ``sniff``)."""
    try:
        sniff(path, limits)
    except MediaError as exc:
        return exc.message
    return None


def _is_html_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    main = content_type.split(";", 1)[0].strip().lower()
    return main in ("text/html", "application/xhtml+xml")


_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def _is_html(fetched: Fetched) -> bool:
    """Trust an HTML Content-Type, or markup that plainly is HTML (servers often omit the type)."""
    if _is_html_type(fetched.content_type):
        return True
    with fetched.path.open("rb") as fp:
        head = fp.read(1024)
    head = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith(b"<") and any(marker in head for marker in _HTML_MARKERS)


class _Session:
    """One HTTP client and one cookie jar shared by the fetches of a capture.

    Connections go to the checked IP address, so the client's own cookie jar
    would file cookies under that address; cookies are kept here instead, under
    the real host name, and the client's jar refuses everything.
    """

    def __init__(
        self,
        client: httpx.Client | None,
        *,
        timeout: float,
        user_agent: str,
        allow_private: bool,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._owned = client is None
        if client is None:
            client = httpx.Client(
                timeout=timeout,
                follow_redirects=False,
                # Proxies from the environment would connect to the host name on
                # their own and defeat the address check; .netrc would add credentials.
                trust_env=False,
                cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            )
        self.client = client
        self.timeout = httpx.Timeout(timeout)
        self.user_agent = user_agent
        self.allow_private = allow_private
        self.cookies = httpx.Cookies()
        self.extra_headers = _checked_headers(extra_headers or {})
        self.first_host: str | None = None

    def __enter__(self) -> _Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned:
            self.client.close()

    def fetch(
        self,
        url: str,
        dest_dir: Path,
        *,
        cap_for: Callable[[str | None], int],
        max_redirects: int,
        referer: str | None = None,
    ) -> Fetched:
        transfer = _Transfer(requested=url, current=_parse_url(url, url))
        try:
            return self._run(transfer, dest_dir, cap_for, max_redirects, referer)
        except FetchError as exc:
            if not exc.hops:
                exc.hops = list(transfer.hops)
            raise

    def _run(
        self,
        transfer: _Transfer,
        dest_dir: Path,
        cap_for: Callable[[str | None], int],
        max_redirects: int,
        referer: str | None,
    ) -> Fetched:
        redirects = 0
        while True:
            response, started = self._send(transfer, referer)
            transfer.hops.append(Hop(str(transfer.current), response.status_code))
            self._remember_cookies(transfer.current, response)
            location = response.headers.get("location", "").strip()
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return self._save(response, started, transfer, dest_dir, cap_for)
            response.close()
            if redirects >= max_redirects:
                raise FetchError(
                    FetchErrorCode.TOO_MANY_REDIRECTS,
                    f"{transfer.where()} redirected more than {max_redirects} times "
                    f"(last to {location[:300]})",
                    url=transfer.requested,
                    status=response.status_code,
                )
            redirects += 1
            try:
                target = str(transfer.current.join(location))
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchError(
                    FetchErrorCode.BAD_URL,
                    f"{transfer.where()} redirected to an invalid URL {location[:300]!r} ({exc})",
                    url=transfer.requested,
                ) from None
            transfer.current = _parse_url(target, transfer.requested)

    def _send(self, transfer: _Transfer, referer: str | None) -> tuple[httpx.Response, datetime]:
        url = transfer.current
        addresses = _resolve(url, transfer, allow_private=self.allow_private)
        host_ascii = url.raw_host.decode("ascii")
        headers = {
            "Host": url.netloc.decode("ascii"),
            "User-Agent": self.user_agent,
            "Accept": "*/*",
            # Not br/zstd: their decoders can expand one network chunk enormously.
            "Accept-Encoding": "gzip, deflate",
        }
        if self.first_host is None:
            self.first_host = host_ascii
        if host_ascii == self.first_host:
            headers.update(self.extra_headers)
        cookie = self._cookie_header(url)
        if cookie:
            headers["Cookie"] = "; ".join(filter(None, (headers.get("Cookie"), cookie)))
        if referer and not (referer.startswith("https:") and url.scheme == "http"):
            headers["Referer"] = referer  # like a browser: never downgrade https to http
        last_error: Exception | None = None
        for address in addresses[:_MAX_ADDRESSES_TRIED]:
            try:
                pinned = url.copy_with(host=address)
            except (httpx.InvalidURL, ValueError) as exc:  # e.g. a scoped IPv6 address
                last_error = exc
                continue
            request = self.client.build_request(
                "GET",
                pinned,
                headers=headers,
                timeout=self.timeout,
                extensions={"sni_hostname": host_ascii},
            )
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
            except httpx.ConnectError as exc:
                last_error = exc
                continue
            except httpx.TimeoutException:
                raise FetchError(
                    FetchErrorCode.TIMEOUT,
                    f"{transfer.where()} did not answer within {self.timeout.read} s",
                    url=transfer.requested,
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(
                    FetchErrorCode.UNREACHABLE,
                    f"{transfer.where()} could not be fetched: {_describe(exc)}",
                    url=transfer.requested,
                ) from None
            return response, datetime.now(UTC)
        raise FetchError(
            FetchErrorCode.UNREACHABLE,
            f"could not connect to {transfer.where()}: {_describe(last_error)}",
            url=transfer.requested,
        )

    def _save(
        self,
        response: httpx.Response,
        started: datetime,
        transfer: _Transfer,
        dest_dir: Path,
        cap_for: Callable[[str | None], int],
    ) -> Fetched:
        try:
            status = response.status_code
            if status >= 400:
                raise FetchError(
                    FetchErrorCode.HTTP_ERROR,
                    f"{transfer.where()} answered HTTP {status} {response.reason_phrase}".rstrip(),
                    url=transfer.requested,
                    status=status,
                    retry_after=_retry_after(response.headers.get("retry-after")),
                )
            content_type = response.headers.get("content-type")
            cap = cap_for(content_type)
            declared = _content_length(response)
            if declared is not None and declared > cap and not _is_encoded(response):
                raise FetchError(
                    FetchErrorCode.TOO_LARGE,
                    f"{transfer.where()} is {declared:,} bytes, above the limit of {cap:,} bytes",
                    url=transfer.requested,
                    status=status,
                )
            final_url = str(transfer.current)
            path, size, digest = self._stream(
                response, dest_dir, final_url, content_type, cap, transfer
            )
        finally:
            response.close()
        return Fetched(
            requested_url=transfer.requested,
            final_url=final_url,
            hops=list(transfer.hops),
            status=status,
            content_type=content_type,
            headers=_selected_headers(response.headers),
            path=path,
            size_bytes=size,
            sha256=digest,
            fetched_at=started,
        )

    def _stream(
        self,
        response: httpx.Response,
        dest_dir: Path,
        final_url: str,
        content_type: str | None,
        cap: int,
        transfer: _Transfer,
    ) -> tuple[Path, int, str]:
        dest_dir.mkdir(parents=True, exist_ok=True)
        prefix = _safe_name(platform_for(final_url)) + "-"
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=_suffix_for(content_type), dir=dest_dir)
        path = Path(name)
        digest = hashlib.sha256()
        size = 0
        complete = False
        try:
            with os.fdopen(fd, "wb") as fp:
                for chunk in response.iter_bytes(_CHUNK_BYTES):
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(
                            FetchErrorCode.TOO_LARGE,
                            f"{transfer.where()} is larger than the limit of {cap:,} bytes; "
                            "the download was stopped",
                            url=transfer.requested,
                            status=response.status_code,
                        )
                    digest.update(chunk)
                    fp.write(chunk)
                fp.flush()
                os.fsync(fp.fileno())  # evidence should survive a crash right after capture
            complete = True
        except httpx.TimeoutException:
            raise FetchError(
                FetchErrorCode.TIMEOUT,
                f"{transfer.where()} stopped sending for more than {self.timeout.read} s",
                url=transfer.requested,
                status=response.status_code,
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                FetchErrorCode.UNREACHABLE,
                f"the body of {transfer.where()} could not be read: {_describe(exc)}",
                url=transfer.requested,
                status=response.status_code,
            ) from None
        finally:
            if not complete:
                path.unlink(missing_ok=True)
        return path, size, digest.hexdigest()

    def _cookie_header(self, url: httpx.URL) -> str | None:
        probe = httpx.Request("GET", url)
        self.cookies.set_cookie_header(probe)
        value: str | None = probe.headers.get("cookie")
        return value

    def _remember_cookies(self, url: httpx.URL, response: httpx.Response) -> None:
        if "set-cookie" not in response.headers:
            return
        # Filed under the real host name, not the pinned address the client saw.
        shell = httpx.Response(
            response.status_code, headers=response.headers, request=httpx.Request("GET", url)
        )
        self.cookies.extract_cookies(shell)


class _Transfer:
    """The state of one fetch: what was asked for, where it is now, what answered so far."""

    def __init__(self, requested: str, current: httpx.URL) -> None:
        self.requested = requested
        self.current = current
        self.hops: list[Hop] = []

    def where(self) -> str:
        """The URL being fetched, named so that a redirected failure still shows its origin."""
        current = str(self.current)
        if self.hops and current != self.requested:
            return f"{current} (redirected from {self.requested})"
        return current


def _parse_url(raw: str, requested: str) -> httpx.URL:
    """Accept only absolute http(s) URLs without credentials; return them without fragment."""
    text = raw.strip()
    shown = _redact(text)
    if not text:
        raise FetchError(FetchErrorCode.BAD_URL, "the URL is empty", url=requested)
    if len(text) > _MAX_URL_CHARS:
        raise FetchError(
            FetchErrorCode.BAD_URL,
            f"the URL is {len(text):,} characters long, above {_MAX_URL_CHARS:,}: {shown[:200]}...",
            url=requested,
        )
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(
            FetchErrorCode.BAD_URL, f"{shown!r} is not a valid URL ({exc})", url=requested
        ) from None
    if url.scheme not in ("http", "https"):
        scheme = f"{url.scheme}:" if url.scheme else "no scheme"
        raise FetchError(
            FetchErrorCode.BAD_URL,
            f"{shown} uses {scheme}; only absolute http:// and https:// URLs can be captured",
            url=requested,
        )
    if url.userinfo:
        raise FetchError(
            FetchErrorCode.BAD_URL,
            f"{shown} contains a user name or password; such URLs are refused so that "
            "credentials never reach a server or an evidence record",
            url=requested,
        )
    if not url.host:
        raise FetchError(FetchErrorCode.BAD_URL, f"{shown} has no host name", url=requested)
    return url.copy_with(fragment=None)


_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def _checked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Extra request headers, refused when they could smuggle a second request or reroute one."""
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _FORBIDDEN_HEADERS:
            raise ValueError(f"the {name} header cannot be set by the caller")
        if any(c in name + value for c in "\r\n\0") or not name.isascii():
            raise ValueError(f"the {name!r} header contains forbidden characters")
        checked[name] = value
    return checked


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 10**7))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _redact(text: str) -> str:
    """Hide the password of ``user:password@host`` URLs in messages."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/@?#]*@", r"\1***@", text)


def _resolve(url: httpx.URL, transfer: _Transfer, *, allow_private: bool) -> list[str]:
    """Resolve the host and, unless allowed, refuse it if any address is not public.

    All addresses are checked, not just the one used: a name that resolves to
    one public and one private address is a classic way around such checks.
    """
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(
            FetchErrorCode.UNREACHABLE,
            f"the host of {transfer.where()} could not be resolved ({exc})",
            url=transfer.requested,
        ) from None
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(
            FetchErrorCode.UNREACHABLE,
            f"the host of {transfer.where()} has no IP address",
            url=transfer.requested,
        )
    if not allow_private:
        for address in addresses:
            reason = _blocked_reason(ipaddress.ip_address(address))
            if reason is not None:
                raise FetchError(
                    FetchErrorCode.BLOCKED_ADDRESS,
                    f"{transfer.where()} resolves to {address}, a {reason} address; only "
                    "public internet addresses are fetched",
                    url=transfer.requested,
                )
    return addresses


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` must not be fetched from, or ``None`` for an ordinary public address.

    IPv6 forms that embed an IPv4 address (mapped, 6to4, Teredo, NAT64) are
    judged by the embedded address, since they can route to it.
    """
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            candidates.append(ip.sixtofour)
        if ip.teredo is not None:
            candidates.append(ip.teredo[1])
        if ip in _NAT64:
            candidates.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    for candidate in candidates:
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:
            return "link-local"
        if candidate.is_multicast:
            return "multicast"
        if candidate.is_unspecified:
            return "unspecified"
        if candidate.is_private:
            return "private"
        if candidate.is_reserved:
            return "reserved"
        if not candidate.is_global:
            return "non-public"
    return None


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no usable address"
    text = str(exc).strip()
    return text or type(exc).__name__


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "").strip()
    if not value.isdigit():
        return None
    return int(value)


def _is_encoded(response: httpx.Response) -> bool:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    return encoding not in ("", "identity")


_KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "content-language",
        "content-disposition",
        "content-location",
        "last-modified",
        "etag",
        "server",
        "date",
        "age",
        "expires",
        "cache-control",
        "via",
    }
)
# x-* headers are often useful provenance (CDN ids, cache hits) but some carry secrets.
_SECRET_WORDS = ("cookie", "token", "auth", "session", "secret", "key", "csrf", "signature", "pass")


def _selected_headers(headers: httpx.Headers) -> dict[str, str]:
    """Keep the headers that describe the bytes and their origin; drop anything like a secret."""
    kept: dict[str, str] = {}
    extra = 0
    for name, value in headers.multi_items():
        if name not in _KEPT_HEADERS:
            if not name.startswith("x-") or any(word in name for word in _SECRET_WORDS):
                continue
            if name not in kept:
                if extra >= _MAX_EXTRA_HEADERS:
                    continue
                extra += 1
        value = value[:_MAX_HEADER_VALUE_CHARS]
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


_SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".xhtml",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
    "video/x-matroska": ".mkv",
    "video/3gpp": ".3gp",
    "video/x-msvideo": ".avi",
    "application/json": ".json",
    "text/plain": ".txt",
}


def _suffix_for(content_type: str | None) -> str:
    """A suffix for people browsing the folder; ``sniff`` still decides what the file is."""
    if not content_type:
        return ".bin"
    return _SUFFIXES.get(content_type.split(";", 1)[0].strip().lower(), ".bin")


def _safe_name(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip(".-")
    return cleaned[:40] or "web"


# --------------------------------------------------------------------------- pages


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
    parser = _PageParser()
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
_MAX_VALUES_PER_KEY = 50
_MAX_MEDIA_CANDIDATES = 500
_MAX_JSONLD_CHARS = 256 * 1024
_MAX_JSONLD_BLOCKS = 10


class _PageParser(BoundedHTMLParser):
    """Collects the few things evidence needs in one pass, without building a tree.

    No tree means no recursion, so a million nested ``<div>`` cost nothing more
    than their length.
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
