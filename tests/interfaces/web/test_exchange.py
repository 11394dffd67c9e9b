"""The exchange over HTTP: staff publish and issue feed tokens; partners read one feed only."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from idolguard.domain.banks import REFRESH_INTERVAL_SECONDS, BankError, BankService
from idolguard.domain.exchange import ExchangeError
from idolguard.exchange.formats import BankRecord
from idolguard.signals.pdq import pdq_hash
from tests.helpers import sample
from tests.interfaces.web.conftest import Web
from tests.interfaces.web.test_notices import _confirmed_case

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "0" * 63 + "1"


def _feed(web: Web, token: str) -> TestClient:
    return web.anonymous(Authorization=f"Bearer {token}")


def _arrange(web: Web) -> dict[str, Any]:
    stella = web.agency("stella")
    stella.banks.import_records(
        [BankRecord("a", "pdq", PDQ_A), BankRecord("b", "pdq", PDQ_B)], "confirmed"
    )
    stella.banks.import_records([BankRecord("s", "pdq", PDQ_B)], "secret")
    admin = web.api("admin")
    tokens = {}
    for bank, scope in (("confirmed", "read"), ("confirmed", "publish"), ("secret", "read")):
        issued = admin.post(
            "/api/v1/exchange/tokens", json={"bank": bank, "scope": scope, "name": "partner"}
        )
        assert issued.status_code == 201, issued.text
        tokens[(bank, scope)] = issued.json()["token"]
    return tokens


def test_publish_fetch_withdraw_over_http(sqlite_web: Web) -> None:
    web = sqlite_web
    tokens = _arrange(web)
    reader = _feed(web, tokens[("confirmed", "read")])
    url = "/api/v1/exchange/feeds/stella/confirmed/changes"
    assert reader.get(url).status_code == 404  # not published yet

    legal = web.api("legal")
    published = legal.post("/api/v1/exchange/banks/confirmed/publish", json={"tags": ["deepfake"]})
    assert published.status_code == 200, published.text
    page = reader.get(url).json()
    assert {(c["signal"], c["deleted"]) for c in page["changes"]} == {
        (PDQ_A, False),
        (PDQ_B, False),
    }
    assert all(c["tags"] == ["deepfake"] for c in page["changes"])

    withdrawn = legal.post("/api/v1/exchange/banks/confirmed/withdraw", json={"content_id": "a"})
    assert withdrawn.json()["withdrawn"] == 1
    later = reader.get(url, params={"after": page["checkpoint"]}).json()
    assert [(c["signal"], c["deleted"]) for c in later["changes"]] == [(PDQ_A, True)]

    # A publish-scoped token publishes and withdraws; a read token may not.
    refused = reader.post("/api/v1/exchange/feeds/stella/confirmed/withdraw", json={})
    assert refused.status_code == 401
    publisher = _feed(web, tokens[("confirmed", "publish")])
    assert publisher.post("/api/v1/exchange/feeds/stella/confirmed/withdraw", json={}).is_success
    assert all(c["deleted"] for c in reader.get(url).json()["changes"])

    listed = web.api("viewer").get("/api/v1/exchange/banks").json()
    assert listed["published"][0]["bank"] == "confirmed"
    assert listed["published"][0]["withdrawn"] is True


def test_a_feed_token_opens_its_own_published_bank_and_nothing_else(sqlite_web: Web) -> None:
    web = sqlite_web
    tokens = _arrange(web)
    legal = web.api("legal")
    for bank in ("confirmed", "secret"):
        assert legal.post(f"/api/v1/exchange/banks/{bank}/publish", json={}).is_success
    web.agency("nova").banks.import_records([BankRecord("n", "pdq", PDQ_A)], "confirmed")
    reader = _feed(web, tokens[("confirmed", "read")])
    assert reader.get("/api/v1/exchange/feeds/stella/confirmed/changes").status_code == 200
    wrong = [
        "/api/v1/exchange/feeds/stella/secret/changes",  # another bank of the same agency
        "/api/v1/exchange/feeds/nova/confirmed/changes",  # the same bank name elsewhere
        "/api/v1/exchange/feeds/nobody/confirmed/changes",  # no such agency
    ]
    answers = [reader.get(u) for u in wrong]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({a.text for a in answers}) == 1  # nothing tells which agencies exist
    # Staff API tokens are not feed tokens, and the feed tokens open no staff route.
    staff = web.api("admin")
    assert staff.get("/api/v1/exchange/feeds/stella/confirmed/changes").status_code == 401
    assert reader.get("/api/v1/exchange/banks").status_code == 401
    assert reader.get("/api/v1/cases").status_code == 401
    # A revoked token stops at once.
    token_id = staff.get("/api/v1/exchange/tokens").json()["tokens"][0]["id"]
    assert staff.delete(f"/api/v1/exchange/tokens/{token_id}").is_success
    assert reader.get("/api/v1/exchange/feeds/stella/confirmed/changes").status_code == 401


def test_feed_requests_are_rate_limited(sqlite_web: Web) -> None:
    web = sqlite_web
    tokens = _arrange(web)
    state = web.app.state.idolguard
    state.settings = replace(state.settings, exchange_per_minute=3)
    reader = _feed(web, tokens[("confirmed", "read")])
    codes = [
        reader.get("/api/v1/exchange/feeds/stella/confirmed/changes").status_code for _ in range(4)
    ]
    assert codes == [404, 404, 404, 429]


def test_bad_input_is_a_clear_4xx(sqlite_web: Web) -> None:
    web = sqlite_web
    tokens = _arrange(web)
    legal = web.api("legal")
    assert legal.post("/api/v1/exchange/banks/nope/publish", json={}).status_code == 404
    bad = legal.post("/api/v1/exchange/banks/confirmed/publish", json={"tags": ["no spaces!"]})
    assert bad.status_code == 400 and "invalid label" in bad.json()["error"]
    reader = _feed(web, tokens[("confirmed", "read")])
    url = "/api/v1/exchange/feeds/stella/confirmed/changes"
    assert reader.get(url, params={"after": -1}).status_code == 422
    assert reader.get(url, params={"after": "x"}).status_code == 422
    assert web.anonymous().get(url).status_code == 401
    admin = web.api("admin")
    assert (
        admin.post(
            "/api/v1/exchange/tokens", json={"bank": "confirmed", "scope": "all", "name": "x"}
        ).status_code
        == 422
    )


def _reupload_pdq() -> str:
    with Image.open(sample("chelsea.jpg")) as original:
        image = original.convert("RGB")
    small = image.resize((image.width // 2, image.height // 2))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=40)
    return pdq_hash(Image.open(io.BytesIO(buffer.getvalue()))).hex


def test_an_agency_subscribes_to_anothers_bank_and_sees_withdrawals(sqlite_web: Web) -> None:
    web = sqlite_web
    stella, nova = web.agency("stella"), web.agency("nova")
    stella.banks.add_file(sample("chelsea.jpg"), "confirmed", content_id="chelsea")
    stella.banks.add_file(sample("rocket.jpg"), "confirmed", content_id="rocket")
    stella.exchange.publish("confirmed", ["ncii"], actor="legal@stella")
    token = stella.exchange_tokens.issue("confirmed", "read", "nova", actor="admin@stella").token
    stella.banks.import_records([BankRecord("s", "pdq", PDQ_B)], "unpublished")

    nova.subscriptions.subscribe(
        url="http://testserver",
        agency="stella",
        remote_bank="confirmed",
        token=token,
        local_bank="from-stella",
        actor="admin@nova",
    )
    http = web.anonymous()
    (first,) = nova.subscriptions.pull(actor="admin@nova", client=http)
    shared = stella.exchange.publications()[0].shared
    assert first.added == shared > 8 and first.removed == 0
    # Another process's matcher (a second BankService) sees the same bank.
    other = BankService(nova.database, None, nova.settings.matching, nova.settings.limits)
    query = {"original": _reupload_pdq()}
    hits = nova.banks.match_pdq(query)
    assert {(h.bank, h.label) for h in hits} == {("from-stella", "ncii")}
    assert other.match_pdq(query)
    assert PDQ_B not in {r.signal for r in nova.banks.export_records()}  # never published

    # The subscribed bank is the publisher's: nova can neither add to it nor re-publish it.
    with pytest.raises(BankError, match="only that publisher"):
        nova.banks.import_records([BankRecord("x", "pdq", PDQ_A)], "from-stella")
    with pytest.raises(BankError, match="only that publisher"):
        nova.banks.add_file(sample("coffee.jpg"), "from-stella")
    with pytest.raises(ExchangeError, match="only they"):
        nova.exchange.publish("from-stella", [], actor="admin@nova")

    stella.exchange.withdraw("confirmed", content_id="chelsea", actor="legal@stella")
    assert nova.subscriptions.pull(actor="admin@nova", client=http).__next__().removed > 0
    assert nova.banks.match_pdq(query) == []
    time.sleep(REFRESH_INTERVAL_SECONDS + 0.1)  # the other matcher's next look
    assert other.match_pdq(query) == []
    still = nova.banks.export_records("from-stella")
    assert any(r.signal_type == "pdq" for r in still)  # rocket is still shared
    events = [e.details["event"] for e in nova.custody.entries(subjects={"bank:from-stella"})]
    assert events == ["subscribe", "pull", "pull"]


def test_sharing_one_case_publishes_only_its_confirmed_items(sqlite_web: Web) -> None:
    web = sqlite_web
    stella = web.agency("stella")
    case_item, case = _confirmed_case(web)
    other = stella.intake.add_file(sample("coffee.jpg"), actor="t", source={"platform": "x"})
    stella.review.confirm(other.item_id, actor="t", reason="another incident")
    other_case = stella.cases.create_case("unrelated", actor="t")
    stella.cases.attach(other.item_id, other_case.number, actor="t", reason="separate")
    legal = web.api("legal")
    shared = legal.post(
        f"/api/v1/exchange/cases/{case}/publish", json={"into": "case-share", "tags": ["ncii"]}
    )
    assert shared.status_code == 200, shared.text
    assert shared.json()["items"] == 1 and shared.json()["missing"] == []
    contents = {r.content_id for r in stella.banks.export_records("case-share")}
    assert contents == {f"item-{case_item}"}
    page = stella.exchange.changes("case-share", actor="t")
    assert page.changes and all(c.tags == ["ncii"] for c in page.changes)
    assert (
        web.api("reviewer")
        .post(f"/api/v1/exchange/cases/{case}/publish", json={"into": "x"})
        .status_code
        == 403
    )
    missing = legal.post("/api/v1/exchange/cases/IG-1999-0001/publish", json={"into": "x"})
    assert missing.status_code == 404
