"""The whole loop in a real browser: a fan reports, a reviewer confirms, legal sends the
notice, the fan sees action taken and the dashboard counts it. Screenshots of each step are
saved as test artefacts (``test-artifacts/screenshots/journey-*.png``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers import sample
from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for
from tests.interfaces.web.test_notices import sqlite_nweb  # noqa: F401  (fixture)
from tests.smtp import LoopbackSMTP

pytestmark = pytest.mark.browser
URL = "https://localhost/v/77"  # the test directory's "localhost" platform takes e-mail


def _shot(page: Any, name: str) -> Path:
    path = artifacts_dir() / f"journey-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _sign_in(browser: Any, base: str, role: str, locale: str) -> Any:
    page = browser.new_context(locale=locale).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email_for(role))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
    return page


def _is_grey(png: bytes) -> bool:
    from io import BytesIO

    with Image.open(BytesIO(png)) as image:
        pixels = image.convert("RGB").getdata()
        return all(r == g == b for r, g, b in list(pixels)[::97])


def test_report_review_confirm_notice_dashboard(
    sqlite_nweb: Web,  # noqa: F811
    smtp_server: LoopbackSMTP,
) -> None:
    web = sqlite_nweb
    problems: list[str] = []
    with live_server(web.app) as base, chromium() as browser:
        # 1. A fan reports, in Korean, without an account.
        fan = browser.new_context(locale="ko-KR").new_page()
        fan.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        fan.goto(f"{base}/report/stella")
        assert fan.locator("html").get_attribute("lang") == "ko"
        fan.fill("input[name=url]", URL)
        fan.set_input_files("input[name=file]", str(sample("astronaut.jpg")))
        fan.fill("textarea[name=description]", "팬 커뮤니티에서 합성 사진을 봤어요")
        fan.check("input[name=consent]")
        fan.click("form[data-api] button[type=submit]")
        fan.wait_for_selector("[data-testid=report-done]", state="visible")
        number = fan.inner_text("[data-testid=report-done] [data-field=number]").strip()
        pin = fan.inner_text("[data-testid=report-done] [data-field=pin]").strip()
        assert number.startswith("R-") and pin.isdigit()
        _shot(fan, "1-fan-report-ko")

        # 2. A reviewer finds it in the queue, blurred; reveals it deliberately; confirms.
        reviewer = _sign_in(browser, base, "reviewer", "en-US")
        reviewer.goto(f"{base}/queue")
        row = reviewer.locator("tr[data-item-id]").first
        item_id = int(row.get_attribute("data-item-id") or 0)
        thumbnail = reviewer.request.get(f"{base}/api/v1/items/{item_id}/preview")
        assert _is_grey(thumbnail.body())
        _shot(reviewer, "2-queue-blurred")
        row.locator("a").nth(1).click()
        reviewer.wait_for_url(f"{base}/items/{item_id}")
        preview = reviewer.locator(f"#preview-{item_id}")
        assert preview.get_attribute("data-revealed") is None
        _shot(reviewer, "3-item-blurred")
        reviewer.click("[data-testid=reveal]")
        reviewer.wait_for_selector(f"#preview-{item_id}[data-revealed=true]")
        _shot(reviewer, "4-item-revealed")
        reviewer.fill("#decision-reason", "Face swap onto a stage photo")
        reviewer.click("[data-testid=confirm]")
        reviewer.wait_for_url(lambda url: "/items/" not in url or url.endswith("/queue"))
        agency = web.agency("stella")
        item = agency.cases.get_item(item_id)
        assert item.state == "confirmed" and item.case_number
        reveals = [
            e
            for e in agency.custody.entries()
            if e.action == "reveal" and e.subject == f"item:{item_id}"
        ]
        assert [e.actor for e in reveals] == ["web:reviewer@stella.test"]

        # 3. Legal drafts the notice from the case and sends it.
        legal = _sign_in(browser, base, "legal", "en-US")
        legal.goto(f"{base}/cases/{item.case_number}")
        legal.click("[data-testid=draft-notice]")
        legal.wait_for_selector("[data-testid=draft-form]")
        legal.fill("textarea[name=explanation]", "A face-swapped photo of our artist.")
        legal.click("[data-testid=draft-form] button[type=submit]")
        legal.wait_for_url(f"{base}/notices/{item.case_number}-N01")
        legal.click("[data-testid=send] summary")
        legal.click("[data-testid=send] button[type=submit]")
        legal.wait_for_selector("[data-testid=send]", state="detached")  # sent: no more Send
        _shot(legal, "5-notice-sent")
        assert agency.notices.get(f"{item.case_number}-N01").status == "sent"
        assert [m.message["X-IdolGuard-Notice"] for m in smtp_server.messages] == [
            f"{item.case_number}-N01"
        ]

        # 4. The fan follows the report with number and PIN.
        fan.goto(f"{base}/report/stella/status")
        fan.fill("input[name=number]", number)
        fan.fill("input[name=pin]", pin)
        fan.click("form[data-api$='/status'] button[type=submit]")
        fan.wait_for_selector("[data-testid=report-status]", state="visible")
        assert fan.inner_text("[data-testid=report-status] [data-field=status_text]").strip()
        _shot(fan, "6-fan-status-ko")
        status = web.anonymous().post(
            "/api/v1/public/stella/reports/status", json={"number": number, "pin": pin}
        )
        assert status.json()["status"] == "action_taken"

        # 5. The dashboard counts it, drawn with Chart.js.
        viewer = _sign_in(browser, base, "viewer", "ko-KR")
        viewer.goto(f"{base}/dashboard")
        for chart in ("chart-series", "chart-artists", "chart-platforms", "chart-ttd"):
            viewer.wait_for_selector(f"[data-testid={chart}][data-ready=true]")
        _shot(viewer, "7-dashboard-ko")
        summary = web.api("viewer").get("/api/v1/dashboard").json()
        assert summary["totals"]["confirmed"] == 1
        assert summary["totals"]["open_notices"] == 1
    assert not [p for p in problems if "Content Security Policy" in p], problems
