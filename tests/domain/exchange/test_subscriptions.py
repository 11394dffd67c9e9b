"""Pulling another agency's feed: checkpoints, withdrawals, bad records, an origin-marked bank."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from idolguard.app import IdolGuard
from idolguard.domain.exchange import ExchangeError
from idolguard.exchange.formats import BankRecord

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


class Publisher:
    """A stand-in feed: answers pages from a list of changes, and records what was asked."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.asked: list[tuple[int, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        self.asked.append((after, request.headers["authorization"]))
        page = [c for c in self.changes if c["seq"] > after]
        checkpoint = page[-1]["seq"] if page else after
        body = {"checkpoint": checkpoint, "more": False, "changes": page}
        return httpx.Response(200, content=json.dumps(body))


def _change(seq: int, signal_type: str, signal: str, deleted: bool = False) -> dict[str, Any]:
    return {
        "seq": seq,
        "signal_type": signal_type,
        "signal": signal,
        "tags": ["ncii"],
        "deleted": deleted,
    }


def test_pull_applies_changes_from_the_checkpoint(app: IdolGuard) -> None:
    feed = Publisher()
    client = httpx.Client(transport=httpx.MockTransport(feed.handle))
    app.subscriptions.subscribe(
        url="https://stella.example",
        agency="stella",
        remote_bank="confirmed",
        token="igx_t",
        local_bank="from-stella",
        actor="admin",
    )
    feed.changes = [
        _change(1, "pdq", PDQ),
        _change(2, "pdq", "not a hash"),  # skipped, and the feed moves on
        _change(3, "url_md5", "d41d8cd98f00b204e9800998ecf8427e"),  # a type we cannot match
    ]
    (first,) = app.subscriptions.pull(actor="cron", client=client)
    assert (first.added, first.removed, first.checkpoint) == (1, 0, 3)
    records = list(app.banks.export_records("from-stella"))
    assert [(r.signal, r.label) for r in records] == [(PDQ, "ncii")]
    assert app.banks.match_pdq({"original": PDQ})[0].bank == "from-stella"

    feed.changes.append(_change(4, "pdq", PDQ, deleted=True))
    (second,) = app.subscriptions.pull(actor="cron", client=client)
    assert (second.removed, second.checkpoint) == (1, 4)
    assert [a for a, _ in feed.asked] == [0, 3]
    assert all(auth == "Bearer igx_t" for _, auth in feed.asked)
    assert app.banks.match_pdq({"original": PDQ}) == []
    assert app.subscriptions.subscriptions()[0]["checkpoint"] == 4


def test_a_subscription_never_writes_into_the_agencys_own_bank(app: IdolGuard) -> None:
    app.banks.import_records([BankRecord("x", "pdq", PDQ)], "mine")
    with pytest.raises(ExchangeError, match="already exists"):
        app.subscriptions.subscribe(
            url="https://stella.example",
            agency="stella",
            remote_bank="confirmed",
            token="t",
            local_bank="mine",
            actor="admin",
        )
    with pytest.raises(ExchangeError, match="http"):
        app.subscriptions.subscribe(
            url="file:///etc/passwd",
            agency="stella",
            remote_bank="confirmed",
            token="t",
            local_bank="other",
            actor="admin",
        )


def test_an_unreachable_publisher_is_a_clear_error(app: IdolGuard) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "this exchange token is unknown"})

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    app.subscriptions.subscribe(
        url="https://stella.example",
        agency="stella",
        remote_bank="confirmed",
        token="t",
        local_bank="from-stella",
        actor="admin",
    )
    with pytest.raises(ExchangeError, match="HTTP 401: this exchange token is unknown"):
        list(app.subscriptions.pull(actor="cron", client=client))
