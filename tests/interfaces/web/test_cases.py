"""Case pages and API: listing, opening, status, attaching items, evidence bundles, roles."""

from __future__ import annotations

import io
import zipfile

import pytest

from idolguard.app import IdolGuard
from idolguard.domain.cases import STATES
from idolguard.domain.takedowns import STATUSES as NOTICE_STATUSES
from idolguard.interfaces.web.i18n import CATALOG
from tests.helpers import sample
from tests.interfaces.web.browser import chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for


def _item(agency: IdolGuard, name: str = "astronaut.jpg") -> int:
    opened = agency.intake.add_file(
        sample(name),
        actor="t",
        source={"url": f"https://example.com/{name}", "platform": "example"},
    )
    return int(opened.item_id)


def _case(web: Web, item_ids: list[int], title: str = "Leaked photo") -> str:
    answer = web.api("reviewer").post(
        "/api/v1/cases",
        json={"title": title, "description": "found on a forum", "item_ids": item_ids},
    )
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["number"]
    return number


def test_every_state_and_status_has_messages() -> None:
    for state in STATES:
        assert f"cases.state.{state}" in CATALOG
    for status in ("open", "closed"):
        assert f"cases.status.{status}" in CATALOG
    for status in NOTICE_STATUSES:
        assert f"cases.notice_status.{status}" in CATALOG


def test_open_a_case_with_items_and_read_it(web: Web) -> None:
    item_id = _item(web.agency("stella"))
    number = _case(web, [item_id])
    viewer = web.api("viewer")
    listed = viewer.get("/api/v1/cases").json()["cases"]
    assert [c["number"] for c in listed] == [number]
    assert listed[0]["items"] == {"new": 1}
    detail = viewer.get(f"/api/v1/cases/{number}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["case"]["title"] == "Leaked photo" and body["case"]["status"] == "open"
    assert [i["id"] for i in body["items"]] == [item_id]
    evidence = body["items"][0]["evidence"]
    assert len(evidence) == 1 and len(evidence[0]["manifest_sha256"]) == 64
    assert body["notices"] == []
    assert viewer.get(f"/api/v1/cases/{number.lower()}").status_code == 200
    assert viewer.get("/api/v1/cases/IG-1999-9999").status_code == 404
    assert viewer.get("/api/v1/cases", params={"status": "closed"}).json() == {"cases": []}
    assert viewer.get("/api/v1/cases", params={"status": "bogus"}).status_code == 422


def test_create_refuses_bad_input_and_wrong_roles(sqlite_web: Web) -> None:
    viewer = sqlite_web.api("viewer")
    assert viewer.post("/api/v1/cases", json={"title": "x"}).status_code == 403
    legal = sqlite_web.api("legal")
    assert legal.post("/api/v1/cases", json={"title": ""}).status_code == 422
    missing_item = legal.post("/api/v1/cases", json={"title": "x", "item_ids": [999]})
    assert missing_item.status_code == 400 and "no item #999" in missing_item.json()["error"]
    missing_artist = legal.post("/api/v1/cases", json={"title": "x", "artist_id": 42})
    assert missing_artist.status_code == 400 and "no artist #42" in missing_artist.json()["error"]
    assert legal.get("/api/v1/cases").json() == {"cases": []}  # nothing half-made
    typed = legal.post("/api/v1/cases", json={"title": "typed", "item_ids": ""})
    assert typed.status_code == 201 and typed.json()["items"] == {}


def test_status_changes_and_attaching_items(sqlite_web: Web) -> None:
    agency = sqlite_web.agency("stella")
    first, second = _item(agency), _item(agency, "rocket.jpg")
    number = _case(sqlite_web, [first])
    reviewer = sqlite_web.api("reviewer")
    attached = reviewer.post(
        f"/api/v1/cases/{number}/items", json={"item_ids": f"#{second}, {first}"}
    )
    assert attached.status_code == 200, attached.text
    assert attached.json()["case"]["items"] == {"new": 2}
    assert (
        reviewer.post(f"/api/v1/cases/{number}/items", json={"item_ids": [999]}).status_code == 400
    )
    assert (
        reviewer.post("/api/v1/cases/IG-1999-0001/items", json={"item_ids": [first]}).status_code
        == 404
    )
    no_reason = reviewer.post(
        f"/api/v1/cases/{number}/status", json={"status": "closed", "reason": ""}
    )
    assert no_reason.status_code == 422
    closed = reviewer.post(
        f"/api/v1/cases/{number}/status", json={"status": "closed", "reason": "all removed"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    bad = reviewer.post(f"/api/v1/cases/{number}/status", json={"status": "gone", "reason": "x"})
    assert bad.status_code == 422
    viewer = sqlite_web.api("viewer")
    assert (
        viewer.post(
            f"/api/v1/cases/{number}/status", json={"status": "open", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        viewer.post(f"/api/v1/cases/{number}/items", json={"item_ids": [first]}).status_code == 403
    )
    assert [c["number"] for c in viewer.get("/api/v1/cases?status=closed").json()["cases"]] == [
        number
    ]
    entries = agency.custody.entries()
    assert any(e.action == "case" and e.details.get("reason") == "all removed" for e in entries)


def test_legal_downloads_the_evidence_bundle(web: Web) -> None:
    agency = web.agency("stella")
    number = _case(web, [_item(agency)])
    answer = web.api("legal").get(f"/api/v1/cases/{number}/bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert "attachment" in answer.headers["content-disposition"]
    assert f"{number}-evidence.zip" in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bundle:
        names = bundle.namelist()
        assert bundle.testzip() is None
    assert "manifest.json" in names and "report.pdf" in names and "custody/log.jsonl" in names
    assert any(e.action == "export" for e in agency.custody.entries())
    exports = agency.settings.working_dir / "exports"
    assert not exports.exists() or list(exports.iterdir()) == []  # the temporary copy is gone
    for role in ("reviewer", "viewer"):
        assert web.api(role).get(f"/api/v1/cases/{number}/bundle").status_code == 403
    assert web.api("legal").get("/api/v1/cases/IG-1999-0001/bundle").status_code == 404


def test_an_empty_case_has_no_bundle(sqlite_web: Web) -> None:
    number = _case(sqlite_web, [])
    answer = sqlite_web.api("admin").get(f"/api/v1/cases/{number}/bundle")
    assert answer.status_code == 400 and "no items" in answer.json()["error"]


def test_another_agency_cannot_read_the_case(sqlite_web: Web) -> None:
    number = _case(sqlite_web, [_item(sqlite_web.agency("stella"))])
    nova = sqlite_web.api("admin", "nova")
    assert nova.get(f"/api/v1/cases/{number}").status_code == 404
    assert nova.get("/api/v1/cases").json() == {"cases": []}
    assert nova.get(f"/api/v1/cases/{number}/bundle").status_code == 404
    assert (
        nova.post(
            f"/api/v1/cases/{number}/status", json={"status": "closed", "reason": "x"}
        ).status_code
        == 404
    )
    assert nova.get(f"/cases/{number}").status_code == 404


def test_pages_render_in_both_languages_for_a_viewer(sqlite_web: Web) -> None:
    item_id = _item(sqlite_web.agency("stella"))
    number = _case(sqlite_web, [item_id])
    for lang, heading, state, missing_stamp in (
        ("en", "Cases", "new", "not timestamped"),
        ("ko", "사건", "신규", "타임스탬프 없음"),
    ):
        viewer = sqlite_web.browser("viewer", lang=lang)
        listing = viewer.get("/cases")
        assert listing.status_code == 200 and heading in listing.text and number in listing.text
        assert 'data-testid="new-case-form"' not in listing.text
        assert number not in viewer.get("/cases?status=closed").text
        page = viewer.get(f"/cases/{number}")
        assert page.status_code == 200
        assert f'src="/api/v1/items/{item_id}/preview"' in page.text
        assert f'href="/items/{item_id}"' in page.text
        assert state in page.text and missing_stamp in page.text
        assert 'data-testid="export-bundle"' not in page.text
        assert 'data-testid="draft-notice"' not in page.text
        assert 'data-testid="status-form"' not in page.text
        assert "reveal" not in page.text
    assert sqlite_web.browser("viewer").get("/cases/IG-1999-0001").status_code == 404


def test_legal_sees_export_and_notice_links(sqlite_web: Web) -> None:
    number = _case(sqlite_web, [_item(sqlite_web.agency("stella"))])
    legal = sqlite_web.browser("legal")
    page = legal.get(f"/cases/{number}").text
    assert f'href="/api/v1/cases/{number}/bundle"' in page
    assert f'href="/notices/new?case={number}"' in page
    assert 'data-testid="status-form"' in page
    assert 'data-testid="new-case-form"' in legal.get("/cases").text
    reviewer_page = sqlite_web.browser("reviewer").get(f"/cases/{number}").text
    assert 'data-testid="export-bundle"' not in reviewer_page
    assert 'data-testid="status-form"' in reviewer_page


def test_browser_changes_need_the_csrf_token(sqlite_web: Web) -> None:
    number = _case(sqlite_web, [])
    reviewer = sqlite_web.browser("reviewer")
    body = {"status": "closed", "reason": "duplicate"}
    assert reviewer.post(f"/api/v1/cases/{number}/status", json=body).status_code == 403
    ok = reviewer.post(
        f"/api/v1/cases/{number}/status", json=body, headers={"X-CSRF-Token": reviewer.csrf}
    )
    assert ok.status_code == 200


@pytest.mark.browser
def test_open_and_close_a_case_in_a_real_browser(sqlite_web: Web) -> None:
    item_id = _item(sqlite_web.agency("stella"))
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = browser.new_page(locale="ko-KR")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/login?next=/cases")
        page.fill("input[name=email]", email_for("reviewer"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/cases")
        form = "[data-testid=new-case-form]"
        page.fill(f"{form} input[name=title]", "유출 사진")
        page.fill(f"{form} input[name=item_ids]", f"{item_id}")
        page.click(f"{form} button[type=submit]")
        page.wait_for_url(f"{base}/cases/IG-*")
        assert f"#{item_id}" in page.inner_text("[data-testid=case-items]")
        page.select_option("[data-testid=status-form] select[name=status]", "closed")
        page.fill("[data-testid=status-form] input[name=reason]", "삭제 확인")
        page.click("[data-testid=status-form] button[type=submit]")
        expect = pytest.importorskip("playwright.sync_api").expect
        expect(page.locator("[data-testid=case-status]")).to_have_text("종결")
        assert not [p for p in problems if "Content Security Policy" in p], problems
