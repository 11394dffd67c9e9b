"""The access matrix: every route against every role, and every agency against the others.

Routes are enumerated from the app itself, so a new route is covered the
moment it exists: it must either depend on ``require(permission)`` or be on
the short list of deliberately public routes below. Each role must get
exactly what ``domain.accounts.PERMISSIONS`` grants (403 otherwise, and
never a 401 with valid credentials); another agency's admin, who holds every
permission in their own agency, must find none of this agency's objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from idolguard.config import Settings
from idolguard.domain.accounts import ROLES, allowed
from idolguard.exchange.formats import BankRecord
from idolguard.interfaces.web.routes import ROUTERS
from tests.helpers import face_photo, sample
from tests.interfaces.web.conftest import Web
from tests.interfaces.web.test_notices import _confirmed_case, _notice_web
from tests.smtp import LoopbackSMTP

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/lang/{code}"),
    ("GET", "/report"),
    ("GET", "/report/{agency}"),
    ("GET", "/report/{agency}/status"),
    ("POST", "/api/v1/public/{agency}/reports"),
    ("POST", "/api/v1/public/{agency}/reports/status"),
    ("POST", "/api/v1/public/{agency}/reports/withdraw"),
    ("GET", "/guide"),
    ("GET", "/guide/{topic}"),
    ("GET", "/report/{agency}/guide"),
    ("GET", "/report/{agency}/guide/{topic}"),
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXCHANGE_BANK = "stella-confirmed"
EXCHANGE_PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _permission(route: APIRoute) -> str | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        permission = getattr(dependency.call, "permission", None)
        if permission:
            return str(permission)
        pending.extend(dependency.dependencies)
    return None


def _feed_scope(route: APIRoute) -> str | None:
    """The exchange-token scope a feed route demands (``read`` / ``publish``), if it is one."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        scope = getattr(dependency.call, "exchange_scope", None)
        if scope:
            return str(scope)
        pending.extend(dependency.dependencies)
    return None


def feed_routes() -> list[tuple[str, str, str]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and (scope := _feed_scope(route)):
                found += [(method, route.path, scope) for method in sorted(route.methods)]
    return found


def all_routes() -> list[tuple[str, str, str | None]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods):
                    found.append((method, route.path, _permission(route)))
    return found


@dataclass
class Arranged:
    item_id: int  # a confirmed item with a case and a notice
    queued_id: int  # an item still in the queue
    artist_id: int
    case: str
    notice: str
    report: str
    pin: str
    secrets: list[str]  # strings that identify the agency's data
    exchange_token_id: int
    exchange_token: str  # a read token for EXCHANGE_BANK


def arrange(web: Web) -> Arranged:
    agency = web.agency("stella")
    artist = agency.roster.add_artist(
        "Yao Stella", [face_photo("yaoming.jpg")], aliases=["야오 스텔라"]
    )
    item_id, case = _confirmed_case(web)
    queued = agency.intake.add_file(sample("chelsea.jpg"), actor="t", source={"platform": "x"})
    drafted = web.api("legal").post("/api/v1/notices", json={"case": case})
    assert drafted.status_code == 201, drafted.text
    notice = drafted.json()["notices"][0]["number"]
    report = agency.reports.submit(
        artist_id=None,
        url="https://forum.example/thread/9",
        upload=None,
        upload_name=None,
        description="seen on a forum",
        contact=None,
        language="en",
    )
    agency.portal.set_block("statement", "en", "<p>Stella protects Yao</p>", actor="test")
    agency.banks.import_records([BankRecord("x1", "pdq", EXCHANGE_PDQ)], EXCHANGE_BANK)
    agency.exchange.publish(EXCHANGE_BANK, ["ncii"], actor="test")
    feed_token = agency.exchange_tokens.issue(EXCHANGE_BANK, "read", "partner", actor="test")
    item = agency.cases.get_item(item_id)
    return Arranged(
        item_id,
        queued.item_id,
        artist.id,
        case,
        notice,
        report.number,
        report.pin,
        [
            item.sha256,
            case,
            notice,
            "Yao Stella",
            report.number,
            "Stella protects Yao",
            EXCHANGE_PDQ,
            EXCHANGE_BANK,
        ],
        feed_token.id,
        feed_token.token,
    )


@pytest.fixture
def matrix(
    sqlite_settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP
) -> Iterator[tuple[Web, Arranged]]:
    web = _notice_web(sqlite_settings, tmp_path, smtp_server)
    try:
        yield web, arrange(web)
    finally:
        web.close()
        web.installation.close()


def fill(path: str, data: Arranged, agency: str = "stella") -> str:
    """The route's path with this agency's objects in its parameters."""
    values = {
        "item_id": str(data.item_id),
        "artist_id": str(data.artist_id),
        "agency": agency,
        "code": "en",
        "topic": "help",
        "block": "statement",
        "language": "en",
        "bank": EXCHANGE_BANK,
        "token_id": str(data.exchange_token_id),
    }
    if path.startswith(("/api/v1/cases", "/cases", "/api/v1/exchange/cases")):
        values["number"] = data.case
    elif path.startswith(("/api/v1/notices", "/notices")):
        values["number"] = data.notice
    elif path.startswith(("/api/v1/reports", "/reports")):
        values["number"] = data.report

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"the matrix does not know how to fill {{{name}}} in {path}")
        return values[name]

    return re.sub(r"\{([a-z_]+)\}", value, path)


def call(client: TestClient, method: str, url: str, body: Any = None) -> int:
    if method in UNSAFE:
        return client.request(method, url, json=body if body is not None else {}).status_code
    return client.request(method, url, follow_redirects=False).status_code


def test_every_route_is_protected_or_deliberately_public() -> None:
    unprotected = {
        (method, path)
        for method, path, permission in all_routes()
        if permission is None and (method, path) not in PUBLIC
    }
    unprotected -= {(method, path) for method, path, _scope in feed_routes()}
    assert not unprotected, f"routes without require(...): {sorted(unprotected)}"
    stale = PUBLIC - {(method, path) for method, path, _ in all_routes()}
    assert not stale, f"PUBLIC lists routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_its_permissions_grant(
    matrix: tuple[Web, Arranged], role: str
) -> None:
    web, data = matrix
    client = web.api(role)
    routes = [r for r in all_routes() if r[2] is not None]
    # Reads first, so changes made by allowed roles cannot hide a refusal.
    routes.sort(key=lambda r: (r[0] in UNSAFE, r[0] == "DELETE", r[1]))
    wrong = []
    for method, path, permission in routes:
        assert permission is not None
        status = call(client, method, fill(path, data))
        expected_refusal = not allowed(role, permission)
        if status == 401 or (status == 403) != expected_refusal:
            wrong.append(f"{method} {path} ({permission}): {status}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


# Bodies that pass validation, so that only the lookup can refuse.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/items/{item_id}/confirm"): {"reason": "cross-agency attempt"},
    ("POST", "/api/v1/items/{item_id}/dismiss"): {"reason": "cross-agency attempt"},
    ("POST", "/api/v1/artists/{artist_id}/aliases"): {"aliases": ["x"]},
    ("POST", "/api/v1/cases/{number}/status"): {"status": "closed", "reason": "cross-agency"},
    ("POST", "/api/v1/cases/{number}/items"): {"item_ids": [1]},
    ("POST", "/api/v1/notices/{number}/status"): {"status": "acknowledged"},
    ("POST", "/api/v1/notices/{number}/recipient"): {"recipient": "x@nova.example"},
    ("POST", "/api/v1/exchange/cases/{number}/publish"): {"into": "nova-shared"},
}


def test_another_agency_finds_none_of_this_agencys_objects(
    matrix: tuple[Web, Arranged],
) -> None:
    web, data = matrix
    nova = web.api("admin", "nova")
    leaks = []
    for method, path, permission in all_routes():
        if "{" not in path or path == "/lang/{code}":
            continue
        if permission is None and not path.startswith("/api/v1/public/"):
            continue  # public pages take only the agency's name: nothing to find
        if (method, path) == ("POST", "/api/v1/public/{agency}/reports"):
            continue  # creates a report in the agency named: no object to find
        if path.startswith("/api/v1/portal/"):
            # Block names are the same in every agency: this edits nova's own (checked below).
            edit = {"html": "<p>Nova was here</p>"} if method == "PUT" else None
            assert nova.request(method, fill(path, data, "nova"), json=edit).is_success
            continue
        body = BODIES.get((method, path))
        if path.startswith("/api/v1/public/"):
            body = {"number": data.report, "pin": data.pin}
        url = fill(path, data, agency="nova")
        if method in UNSAFE:
            answer = nova.request(method, url, json=body if body is not None else {})
        else:
            answer = nova.request(method, url, follow_redirects=False)
        multipart = path.endswith("/photos")
        acceptable = {404, 422} if multipart else {404}
        if answer.status_code not in acceptable:
            leaks.append(f"{method} {path}: {answer.status_code}")
        else:
            asked = url + json.dumps(body)  # an error may echo what was asked, nothing more
            named = [s for s in data.secrets if s in answer.text and s not in asked]
            if named:
                leaks.append(f"{method} {path}: answer names this agency's {named}")
    assert not leaks, "; ".join(leaks)

    for method, path, permission in all_routes():
        if method != "GET" or "{" in path or permission is None:
            continue
        answer = nova.get(path, follow_redirects=False)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        named = [s for s in data.secrets if s in answer.text]
        assert not named, f"{path} shows another agency's {named}"

    # Nothing above changed this agency's data.
    agency = web.agency("stella")
    assert agency.cases.get_item(data.item_id).state == "confirmed"
    assert agency.cases.get_item(data.queued_id).state == "new"
    assert agency.cases.get_case(data.case).status == "open"
    assert agency.notices.get(data.notice).status == "drafted"
    assert [a.name for a in agency.roster.list_artists()] == ["Yao Stella"]
    assert [b.html for b in agency.portal.blocks()] == ["<p>Stella protects Yao</p>"]


def test_a_session_in_one_agency_cannot_reach_another_by_id(
    matrix: tuple[Web, Arranged],
) -> None:
    web, data = matrix
    nova = web.browser("admin", "nova")
    for url in (
        f"/items/{data.item_id}",
        f"/cases/{data.case}",
        f"/notices/{data.notice}",
        f"/roster/{data.artist_id}",
        f"/api/v1/items/{data.item_id}/preview",
    ):
        assert nova.get(url).status_code == 404, url
    refused = nova.post(
        f"/api/v1/items/{data.item_id}/preview/reveal", headers={"X-CSRF-Token": nova.csrf}
    )
    assert refused.status_code == 404
    stella = web.browser("reviewer")
    assert stella.get(f"/items/{data.item_id}").status_code == 200


def test_every_signed_in_answer_is_no_store(matrix: tuple[Web, Arranged]) -> None:
    """Pages, JSON, previews and exports: nothing signed-in stays in a shared browser's cache."""
    web, data = matrix
    browser = web.browser("admin")
    cached = []
    checked = 0
    for method, path, permission in all_routes():
        if method != "GET" or permission is None:
            continue
        answer = browser.get(fill(path, data), follow_redirects=False)
        checked += 1
        if answer.status_code != 200 or "no-store" not in answer.headers.get("cache-control", ""):
            cached.append(f"{path}: {answer.status_code} {answer.headers.get('cache-control')}")
    reveal = browser.post(
        f"/api/v1/items/{data.item_id}/preview/reveal", headers={"X-CSRF-Token": browser.csrf}
    )
    assert reveal.status_code == 200 and "no-store" in reveal.headers["cache-control"]
    assert checked > 20
    assert not cached, "; ".join(cached)
    # Public code and styles stay cacheable.
    assert "no-store" not in browser.get("/static/app.css").headers.get("cache-control", "")


def test_exchange_feeds_open_only_to_their_own_bank_token(matrix: tuple[Web, Arranged]) -> None:
    """Feed routes take an exchange token for one published bank: nothing else opens them."""
    web, data = matrix
    nova = web.agency("nova")
    nova.banks.import_records([BankRecord("n1", "pdq", "0" * 64)], EXCHANGE_BANK)
    nova.exchange.publish(EXCHANGE_BANK, [], actor="test")
    nova_token = nova.exchange_tokens.issue(EXCHANGE_BANK, "publish", "nova", actor="test").token
    outsiders = {
        "anonymous": web.anonymous(),
        "stella admin (staff token)": web.api("admin"),
        "nova admin (staff token)": web.api("admin", "nova"),
        "nova feed token": web.anonymous(Authorization=f"Bearer {nova_token}"),
    }
    routes = feed_routes()
    assert {scope for *_, scope in routes} == {"read", "publish"}
    leaks = []
    for method, path, scope in routes:
        url = fill(path, data)
        for who, client in outsiders.items():
            answer = client.request(method, url, json={} if method in UNSAFE else None)
            if answer.status_code != 401:
                leaks.append(f"{who}: {method} {path}: {answer.status_code}")
            named = [s for s in data.secrets if s in answer.text and s not in url]
            if named:
                leaks.append(f"{who}: {method} {path} names {named}")
        reader = web.anonymous(Authorization=f"Bearer {data.exchange_token}")
        status = reader.request(method, url, json={} if method in UNSAFE else None).status_code
        if status != (200 if scope == "read" else 401):
            leaks.append(f"stella read token: {method} {path}: {status}")
    assert not leaks, "; ".join(leaks)
    # Nova's own token reads nova's feed, which holds none of stella's hashes.
    own = web.anonymous(Authorization=f"Bearer {nova_token}").get(
        f"/api/v1/exchange/feeds/nova/{EXCHANGE_BANK}/changes"
    )
    assert own.status_code == 200 and EXCHANGE_PDQ not in own.text
    # Stella's feed is unchanged by all of it.
    page = web.agency("stella").exchange.changes(EXCHANGE_BANK, actor="test")
    assert [(c.signal, c.deleted) for c in page.changes] == [(EXCHANGE_PDQ, False)]
