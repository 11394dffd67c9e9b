"""Fetch a URL as evidence: the bytes, exactly where they came from, and nothing unsafe.

A takedown notice or a court needs more than a file: it needs to know which URL
was asked for, every redirect the server answered with, the address that finally
served the bytes, the HTTP status and headers, and when this happened. So
``fetch`` follows redirects itself and records each hop, streams the body to a
file while hashing it (the SHA-256 ties the file to this record), and stamps the
time in UTC. ``sources.capture`` builds on it to capture what a page shows;
``sources.pages`` reads the pages.

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

One concept, kept in one module although it is longer than most: the session,
the per-hop address check and the error type are a single guarded transfer,
and splitting them would put the SSRF guard out of sight of the code it guards.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from idolguard.platforms import platform_for

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "FetchErrorCode",
    "Fetched",
    "Hop",
    "Session",
    "fetch",
]

DEFAULT_USER_AGENT = "IdolGuard-evidence/0.1 (+https://github.com/idolguard)"

# A body that keeps trickling in never trips the per-read timeout: it gets this long in all.
DEFAULT_BODY_SECONDS = 1800.0  # 2 GB at about 1 MB/s
_MAX_URL_CHARS = 8192
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A host with many addresses is tried on a few of them only: each try can cost a timeout.
_MAX_ADDRESSES_TRIED = 4
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
    body_timeout: float = DEFAULT_BODY_SECONDS,
) -> Fetched:
    """Download ``url`` into a new file in ``dest_dir``, recording every hop on the way.

    ``timeout`` bounds each network wait (connect, each read), not the whole
    transfer: a large video on a slow link may legitimately take longer.
    ``body_timeout`` bounds the whole body, so a server that trickles bytes
    for ever (never silent long enough for ``timeout``) is cut off too.
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

    with Session(
        client,
        timeout=timeout,
        user_agent=user_agent,
        allow_private=allow_private_addresses,
        extra_headers=headers,
        body_timeout=body_timeout,
    ) as session:
        return session.fetch(
            url, dest_dir, cap_for=cap_for, max_redirects=max_redirects, referer=referer
        )


def _type_accepted(content_type: str, accept: tuple[str, ...]) -> bool:
    declared = content_type.split(";")[0].strip().lower()
    return any(declared.startswith(prefix.lower()) for prefix in accept)


class Session:
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
        body_timeout: float = DEFAULT_BODY_SECONDS,
    ) -> None:
        self._owned = client is None
        self.body_timeout = body_timeout
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

    def __enter__(self) -> Session:
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
        deadline = time.monotonic() + self.body_timeout
        try:
            with os.fdopen(fd, "wb") as fp:
                # No chunk size: each read is seen as it arrives, so the deadline is checked
                # even when a server sends one byte at a time.
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if time.monotonic() > deadline:
                        raise FetchError(
                            FetchErrorCode.TIMEOUT,
                            f"{transfer.where()} was still sending after {self.body_timeout:g} s "
                            f"({size:,} bytes so far); the download was stopped",
                            url=transfer.requested,
                            status=response.status_code,
                        )
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
