"""Publishing a bank to the exchange feed: explicit, labelled, incremental, withdrawable."""

from __future__ import annotations

import pytest

from idolguard.app import IdolGuard
from idolguard.domain.exchange import ExchangeError, ExchangeNotFound
from idolguard.exchange.formats import BankRecord

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "0" * 63 + "1"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _bank(app: IdolGuard, name: str = "confirmed") -> None:
    app.banks.import_records(
        [
            BankRecord("a", "pdq", PDQ_A, label="internal note"),
            BankRecord("a", "md5", MD5),
            BankRecord("b", "pdq", PDQ_B),
        ],
        name,
    )


def _live(app: IdolGuard, bank: str = "confirmed") -> dict[tuple[str, str], list[str]]:
    state: dict[tuple[str, str], list[str]] = {}
    for change in app.exchange.changes(bank, actor="t").changes:
        if change.deleted:
            state.pop((change.signal_type, change.signal), None)
        else:
            state[(change.signal_type, change.signal)] = change.tags
    return state


def test_nothing_is_shared_until_published(app: IdolGuard) -> None:
    _bank(app)
    with pytest.raises(ExchangeNotFound):
        app.exchange.changes("confirmed", actor="t")
    result = app.exchange.publish("confirmed", ["deepfake", "NCII"], actor="legal@x")
    assert (result.added, result.withdrawn) == (3, 0)
    assert _live(app) == {
        ("pdq", PDQ_A): ["deepfake", "ncii"],
        ("md5", MD5): ["deepfake", "ncii"],  # a photo's digest: pytx has no photo type
        ("pdq", PDQ_B): ["deepfake", "ncii"],
    }
    page = app.exchange.changes("confirmed", actor="t")
    assert "internal note" not in str(page.to_json())  # labels only, never internal text


def test_changes_are_incremental_and_withdrawals_are_deletions(app: IdolGuard) -> None:
    _bank(app)
    first = app.exchange.publish("confirmed", ["ncii"], actor="legal@x")
    assert app.exchange.publish("confirmed", ["ncii"], actor="legal@x").added == 0
    assert app.exchange.changes("confirmed", after=first.seq, actor="t").changes == []

    withdrawn = app.exchange.withdraw("confirmed", content_id="a", actor="legal@x")
    assert withdrawn.withdrawn == 2
    page = app.exchange.changes("confirmed", after=first.seq, actor="t")
    assert {(c.signal, c.deleted) for c in page.changes} == {(PDQ_A, True), (MD5, True)}
    # Withdrawal is sticky: publishing again does not bring the item back.
    again = app.exchange.publish("confirmed", ["ncii", "deepfake"], actor="legal@x")
    assert (again.added, again.updated) == (0, 1)
    assert set(_live(app)) == {("pdq", PDQ_B)}

    app.exchange.withdraw("confirmed", actor="legal@x")
    assert _live(app) == {}
    assert app.exchange.publications()[0].withdrawn


def test_pages_follow_the_checkpoint(app: IdolGuard) -> None:
    _bank(app)
    app.exchange.publish("confirmed", [], actor="a")
    page = app.exchange.changes("confirmed", limit=2, actor="t")
    assert page.more and len(page.changes) == 2
    rest = app.exchange.changes("confirmed", after=page.checkpoint, limit=2, actor="t")
    assert not rest.more and len(rest.changes) == 1


def test_video_digests_use_pytx_type_names(app: IdolGuard) -> None:
    vpdq = '["' + PDQ_A + ',100,0.0"]'
    app.banks.import_records(
        [BankRecord("v", "vpdq", vpdq), BankRecord("v", "video_md5", MD5)], "clips"
    )
    app.exchange.publish("clips", ["deepfake"], actor="a")
    assert set(_live(app, "clips")) == {("vpdq", vpdq), ("video_md5", MD5)}


def test_refusals(app: IdolGuard) -> None:
    _bank(app)
    app.banks.import_records([BankRecord("x", "pdq", PDQ_B, allow=True)], "benign")
    with pytest.raises(ExchangeError, match="allow-list"):
        app.exchange.publish("benign", [], actor="a")
    with pytest.raises(ExchangeError, match="no bank"):
        app.exchange.publish("nope", [], actor="a")
    with pytest.raises(ExchangeError, match="invalid label"):
        app.exchange.publish("confirmed", ["two words!"], actor="a")
    with pytest.raises(ExchangeNotFound):
        app.exchange.withdraw("confirmed", actor="a")


def test_publish_withdraw_and_fetch_are_in_the_custody_chain(app: IdolGuard) -> None:
    _bank(app)
    app.exchange.publish("confirmed", ["ncii"], actor="legal@x")
    app.exchange.changes("confirmed", actor="exchange-token:igx_abc")
    app.exchange.withdraw("confirmed", content_id="b", actor="legal@x")
    actions = [
        (e.action, e.details["event"], e.actor)
        for e in app.custody.entries(subjects={"bank:confirmed"})
        if e.action == "exchange"
    ]
    assert actions == [
        ("exchange", "publish", "legal@x"),
        ("exchange", "fetch", "exchange-token:igx_abc"),
        ("exchange", "withdraw", "legal@x"),
    ]
    assert app.custody.verify().ok
