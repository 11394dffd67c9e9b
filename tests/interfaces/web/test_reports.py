"""The fan report portal: submit, number + PIN, status, lockout, withdrawal, limits, pages."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from idolguard.interfaces.web import create_app
from idolguard.storage.models import Artist
from tests.helpers import sample
from tests.interfaces.web.conftest import Web

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
SUBMIT = "/api/v1/public/stella/reports"
STATUS = "/api/v1/public/stella/reports/status"
WITHDRAW = "/api/v1/public/stella/reports/withdraw"


@pytest.fixture(autouse=True)
def _cheap_pins(request: pytest.FixtureRequest) -> None:
    for name in ("web", "sqlite_web"):
        if name in request.fixturenames:
            built: Web = request.getfixturevalue(name)
            for slug in ("stella", "nova"):
                built.agency(slug).reports.hasher = CHEAP


def _artist(web: Web, name: str = "Han Yuri") -> int:
    with web.agency("stella").database.session() as session:
        artist = Artist(name=name, group_name="STELLA")
        session.add(artist)
        session.flush()
        return artist.id


def _upload(
    client: TestClient,
    path: Path | None = None,
    *,
    data: dict[str, Any] | None = None,
    name: str | None = None,
    content: bytes | None = None,
    url: str = SUBMIT,
) -> Any:
    files = None
    if path is not None or content is not None:
        body = content if content is not None else path.read_bytes()  # type: ignore[union-attr]
        files = {"file": (name or (path.name if path else "x.bin"), io.BytesIO(body))}
    return client.post(url, data=data or {}, files=files)


def test_submit_status_lockout_and_withdraw(web: Web) -> None:
    fan = web.anonymous()
    artist = _artist(web)
    answer = _upload(
        fan,
        sample("astronaut.jpg"),
        data={"artist": str(artist), "description": "on a forum", "contact": "me@example.org"},
    )
    assert answer.status_code == 201, answer.text
    sent = answer.json()
    assert sent["number"].startswith("R-") and len(sent["pin"]) == 8
    assert set(sent) == {"number", "pin", "status"} and sent["status"] == "received"
    assert answer.headers["cache-control"] == "no-store"

    stella = web.agency("stella")
    queue = stella.cases.queue()
    assert len(queue) == 1
    item = queue[0]
    assert (item.origin, item.reporter, item.artist_id) == ("report", "fan", artist)
    assert not list((stella.settings.working_dir / "reports").iterdir())  # temp file deleted

    status = fan.post(STATUS, json={"number": sent["number"], "pin": sent["pin"]})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "received"
    assert set(status.json()) == {
        "number",
        "status",
        "submitted_at",
        "updated_at",
        "withdrawn_at",
        "can_withdraw",
        "still_acted_on",
    }
    as_form = fan.post(STATUS, data={"number": sent["number"], "pin": sent["pin"]})
    assert as_form.status_code == 200

    wrong = fan.post(STATUS, json={"number": sent["number"], "pin": "12345678"})
    unknown = fan.post(STATUS, json={"number": "R-ABCDEFGH", "pin": sent["pin"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {"error": "unknown report number or wrong PIN"}
    for _ in range(4):
        fan.post(STATUS, json={"number": sent["number"], "pin": "12345678"})
    locked = fan.post(STATUS, json={"number": sent["number"], "pin": sent["pin"]})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60

    # Unlock by hand (15 minutes pass) and withdraw.
    from idolguard.storage.models import FanReport

    with stella.database.session() as session:
        session.query(FanReport).update({"locked_until": None})
    gone = fan.post(WITHDRAW, json={"number": sent["number"], "pin": sent["pin"]})
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "withdrawn" and not gone.json()["can_withdraw"]
    assert stella.cases.get_item(item.id).state == "dismissed"
    again = fan.post(STATUS, json={"number": sent["number"], "pin": sent["pin"]})
    assert again.json()["status"] == "withdrawn"

    # Another agency knows nothing of stella's numbers.
    elsewhere = fan.post(
        "/api/v1/public/nova/reports/status", json={"number": sent["number"], "pin": sent["pin"]}
    )
    assert elsewhere.status_code == 404

    # Staff see the report, contact only for roles that change cases, never the PIN hash.
    listed = web.api("reviewer").get("/api/v1/reports")
    assert listed.status_code == 200
    row = listed.json()["reports"][0]
    assert row["number"] == sent["number"] and row["contact"] == "me@example.org"
    assert "pin" not in row and "pin_hash" not in row
    viewer = web.api("viewer").get("/api/v1/reports").json()["reports"][0]
    assert "contact" not in viewer and viewer["contact_given"] is True
    assert web.anonymous().get("/api/v1/reports").status_code == 401


def test_duplicates_collapse_to_one_item(sqlite_web: Web) -> None:
    web = sqlite_web
    fan = web.anonymous()
    first = _upload(fan, sample("coffee.jpg")).json()
    second = _upload(fan, sample("coffee.jpg"))
    assert second.status_code == 201 and "duplicate" not in second.json()
    assert second.json()["number"] != first["number"]

    by_url = _upload(fan, sample("rocket.jpg"), data={"url": "https://example.com/v/1"})
    url_only = fan.post(SUBMIT, data={"url": "HTTPS://EXAMPLE.com/v/1#comments"})
    assert url_only.status_code == 201
    staff = web.api("reviewer").get("/api/v1/reports").json()["reports"]
    duplicates = {r["number"]: r["duplicate_of"] for r in staff}
    assert duplicates[second.json()["number"]] == first["number"]
    assert duplicates[url_only.json()["number"]] == by_url.json()["number"]
    assert len(web.agency("stella").cases.list_items()) == 2

    lone_url = fan.post(SUBMIT, data={"url": "https://example.net/post/2"})
    assert lone_url.status_code == 201 and lone_url.json()["status"] == "received"
    pending = web.api("reviewer").get("/api/v1/reports?pending=true").json()["reports"]
    assert [r["number"] for r in pending] == [lone_url.json()["number"]]
    assert len(web.agency("stella").cases.list_items()) == 2  # nothing fetched


def test_refusals(sqlite_web: Web, tmp_path: Path) -> None:
    web = sqlite_web
    fan = web.anonymous()
    empty = fan.post(SUBMIT, data={"description": "help"})
    assert empty.status_code == 400 and "address" in empty.json()["error"]
    # A browser sends an empty file part when no file is chosen.
    blank = fan.post(SUBMIT, files={"file": ("", io.BytesIO(b""))})
    assert blank.status_code == 400 and "address" in blank.json()["error"]
    text = _upload(fan, content=b"just some text, not a picture", name="notes.txt")
    assert text.status_code == 400
    emptied = _upload(fan, content=b"", name="empty.jpg")
    assert emptied.status_code == 400 and "empty" in emptied.json()["error"]
    assert "photo or video" in text.json()["error"]
    assert str(tmp_path) not in text.json()["error"]
    bad_artist = fan.post(SUBMIT, data={"url": "https://x.example/", "artist": "999"})
    assert bad_artist.status_code == 400
    bad_url = fan.post(SUBMIT, data={"url": "file:///etc/passwd"})
    assert bad_url.status_code == 400
    assert (
        fan.post("/api/v1/public/nobody/reports", data={"url": "https://x.example/"}).status_code
        == 404
    )
    assert web.agency("stella").cases.list_items() == []
    reports = web.agency("stella").settings.working_dir / "reports"
    assert not reports.exists() or not list(reports.iterdir())


def test_oversized_upload_is_413(sqlite_web: Web) -> None:
    web = sqlite_web
    small = create_app(web.installation, replace(web.installation.settings.web, max_upload_mb=1))
    fan = TestClient(small)
    just_over = _upload(fan, content=b"\xff\xd8" + b"0" * (1024 * 1024 + 10), name="big.jpg")
    assert just_over.status_code == 413 and "1 MB" in just_over.json()["error"]
    far_over = _upload(fan, content=b"0" * (3 * 1024 * 1024), name="huge.jpg")
    assert far_over.status_code == 413
    fan.close()


def test_rate_limits(sqlite_web: Web) -> None:
    web = sqlite_web
    limited = create_app(
        web.installation,
        replace(web.installation.settings.web, reports_per_hour=2, status_checks_per_hour=3),
    )
    fan = TestClient(limited)
    for n in range(2):
        assert fan.post(SUBMIT, data={"url": f"https://x.example/{n}"}).status_code == 201
    refused = fan.post(SUBMIT, data={"url": "https://x.example/3"})
    assert refused.status_code == 429 and "retry-after" in refused.headers
    for _ in range(3):
        fan.post(STATUS, json={"number": "R-ABCDEFGH", "pin": "1"})
    assert fan.post(STATUS, json={"number": "R-ABCDEFGH", "pin": "1"}).status_code == 429
    assert fan.post(WITHDRAW, json={"number": "R-ABCDEFGH", "pin": "1"}).status_code == 429
    fan.close()


def test_pages_in_korean_and_english(sqlite_web: Web) -> None:
    web = sqlite_web
    _artist(web, "Han Yuri")
    english = web.anonymous()
    korean = web.anonymous(**{"Accept-Language": "ko"})

    agencies = english.get("/report")
    assert agencies.status_code == 200
    assert "/report/stella" in agencies.text and "/report/nova" in agencies.text
    form = english.get("/report/stella")
    assert form.status_code == 200
    assert "Han Yuri" in form.text and 'accept="image/*,video/*"' in form.text
    assert "anonymous" in form.text and "do not share" in form.text
    assert 'data-api="/api/v1/public/stella/reports"' in form.text
    assert "/static/reports.js" in form.text and "<script>" not in form.text
    ko_form = korean.get("/report/stella")
    assert "신고 보내기" in ko_form.text and "익명" in ko_form.text
    status = korean.get("/report/stella/status")
    assert status.status_code == 200 and "신고 처리 상황 확인" in status.text
    assert "report-status-texts" in status.text
    assert english.get("/report/stella/status").status_code == 200
    assert english.get("/report/nobody").status_code == 404
    assert english.get("/report/nobody/status").status_code == 404
    assert english.get("/static/reports.js").status_code == 200

    web.installation.accounts.set_tenant_disabled("nova", True, actor="test")
    assert english.get("/report/nova").status_code == 404
    only = english.get("/report", follow_redirects=False)
    assert only.status_code == 303 and only.headers["location"] == "/report/stella"
    nova = english.post("/api/v1/public/nova/reports", data={"url": "https://x.example/"})
    assert nova.status_code == 404


def test_portal_can_be_switched_off(sqlite_web: Web) -> None:
    web = sqlite_web
    closed = create_app(web.installation, replace(web.installation.settings.web, fan_reports=False))
    fan = TestClient(closed)
    assert fan.get("/report").status_code == 404
    assert fan.get("/report/stella").status_code == 404
    assert fan.get("/report/stella/status").status_code == 404
    assert fan.post(SUBMIT, data={"url": "https://x.example/"}).status_code == 404
    assert fan.post(STATUS, json={"number": "R-ABCDEFGH", "pin": "1"}).status_code == 404
    fan.close()


def test_staff_capture_of_a_url_only_report(sqlite_web: Web) -> None:
    web = sqlite_web
    sent = web.anonymous().post(SUBMIT, data={"url": "http://127.0.0.1:9/nothing.jpg"}).json()
    viewer = web.api("viewer").post(f"/api/v1/reports/{sent['number']}/capture")
    assert viewer.status_code == 403
    missing = web.api("reviewer").post("/api/v1/reports/R-ABCDEFGH/capture")
    assert missing.status_code == 404
    # Private addresses are refused by the capture's address checks: a clear 400.
    refused = web.api("reviewer").post(f"/api/v1/reports/{sent['number']}/capture")
    assert refused.status_code == 400 and "could not capture" in refused.json()["error"]


@pytest.mark.browser
def test_report_and_check_it_in_a_real_browser(sqlite_web: Web) -> None:
    from tests.interfaces.web.browser import artifacts_dir, chromium, live_server

    web = sqlite_web
    _artist(web, "Han Yuri")
    with live_server(web.app) as base, chromium() as browser:
        page = browser.new_page(locale="en-US")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/report/stella")
        page.select_option("select[name=artist]", label="Han Yuri (STELLA)")
        page.set_input_files("input[name=file]", str(sample("astronaut.jpg")))
        page.fill("textarea[name=description]", "posted on a forum")
        page.check("input[name=consent]")
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=report-done]:not([hidden])")
        number = page.inner_text("#report-done [data-field=number]")
        pin = page.inner_text("#report-done [data-field=pin]")
        assert number.startswith("R-") and len(pin) == 8
        assert page.locator("#report-start").is_hidden()
        page.screenshot(path=str(artifacts_dir() / "report-done-en.png"), full_page=True)

        page.goto(f"{base}/report/stella/status")
        page.fill("input[name=number]", number)
        page.fill("input[name=pin]", "00000000")
        page.click("[data-status-form] button[type=submit]")
        page.wait_for_selector("[data-status-form] [data-error]:not([hidden])")
        page.fill("input[name=pin]", pin)
        page.click("[data-status-form] button[type=submit]")
        page.wait_for_selector("[data-testid=report-status]:not([hidden])")
        assert "waiting for our team" in page.inner_text("[data-field=status_text]")
        page.click("[data-withdraw-form] button[type=submit]")
        page.wait_for_selector("[data-field=status_text]:has-text('withdrew')")
        assert page.locator("[data-withdraw]").is_hidden()
        page.screenshot(path=str(artifacts_dir() / "report-status-en.png"), full_page=True)
        assert not [p for p in problems if "Content Security Policy" in p]
