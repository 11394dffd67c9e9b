"""A stand-in for the polite web reader in connector unit tests (the real one runs on loopback)."""

from __future__ import annotations

from dataclasses import dataclass, field

from idolguard.sources.connectors.base import Document
from idolguard.sources.fetch import FetchError, FetchErrorCode


@dataclass
class FakeWeb:
    """``pages[url]`` is the body served at ``url`` (with ``types[url]`` as its Content-Type).

    Every request is logged in ``asked`` with the validators sent, so tests can
    check conditional requests; ``etags[url]`` makes the URL answer 304 when
    that ETag is sent back.
    """

    pages: dict[str, bytes] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    asked: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document:
        self.asked.append((url, etag, last_modified))
        if url not in self.pages:
            raise FetchError(
                FetchErrorCode.HTTP_ERROR, f"{url} answered HTTP 404", url=url, status=404
            )
        if etag is not None and self.etags.get(url) == etag:
            return Document(url, url, 304, None, b"", etag=etag)
        body = self.pages[url]
        if len(body) > max_bytes:
            raise FetchError(FetchErrorCode.TOO_LARGE, f"{url} is too large", url=url)
        return Document(url, url, 200, self.types.get(url), body, etag=self.etags.get(url))
