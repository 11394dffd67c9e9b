"""Reading an IdolGuard exchange feed over HTTP: used by the pytx extension and subscriptions.

Below the domain on purpose: it knows the feed's JSON and nothing of the
database, so ``threatexchange`` (through ``pytx_extension``) and a subscribing
IdolGuard read the same pages the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_TIMEOUT_SECONDS = 60.0


class FeedError(Exception):
    """The feed could not be read: the message says why (status and the server's words)."""


@dataclass(frozen=True)
class FeedChange:
    seq: int
    signal_type: str
    signal: str
    tags: tuple[str, ...]
    deleted: bool


@dataclass(frozen=True)
class FeedPage:
    checkpoint: int
    more: bool
    changes: list[FeedChange]


def feed_url(base_url: str, agency: str, bank: str) -> str:
    """Where an agency's bank feed lives on its server."""
    return (
        f"{base_url.rstrip('/')}/api/v1/exchange/feeds/"
        f"{quote(agency, safe='')}/{quote(bank, safe='')}/changes"
    )


def iter_pages(
    base_url: str,
    agency: str,
    bank: str,
    token: str,
    *,
    after: int = 0,
    limit: int | None = None,
    client: httpx.Client | None = None,
) -> Iterator[FeedPage]:
    """Every page of changes after ``after`` until the feed is up to date."""
    url = feed_url(base_url, agency, bank)
    own = client is None
    http = client or httpx.Client(timeout=DEFAULT_TIMEOUT_SECONDS)
    try:
        while True:
            params: dict[str, Any] = {"after": after}
            if limit is not None:
                params["limit"] = limit
            try:
                answer = http.get(url, params=params, headers={"authorization": f"Bearer {token}"})
            except httpx.HTTPError as exc:
                raise FeedError(f"cannot reach {url}: {exc}") from exc
            if answer.status_code != 200:
                raise FeedError(f"{url}: HTTP {answer.status_code}: {_reason(answer)}")
            page = parse_page(answer.json())
            yield page
            if not page.more or page.checkpoint <= after:
                return
            after = page.checkpoint
    finally:
        if own:
            http.close()


def parse_page(data: Any) -> FeedPage:
    try:
        changes = [
            FeedChange(
                int(c["seq"]),
                str(c["signal_type"]),
                str(c["signal"]),
                tuple(str(t) for t in c.get("tags", [])),
                bool(c["deleted"]),
            )
            for c in data["changes"]
        ]
        return FeedPage(int(data["checkpoint"]), bool(data["more"]), changes)
    except (KeyError, TypeError, ValueError) as exc:
        raise FeedError(f"not an IdolGuard exchange feed page ({exc!r})") from exc


def _reason(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("error", answer.text[:200]))
    except ValueError:
        return answer.text[:200]
