"""The review pages in a real browser (issue 17 #2, #3, #10, #11): the queue's filters and
link-report capture button, the decision above the fold, Korean reasons, no sideways
scrolling at phone width on any staff page, and the fan's number and PIN made prominent."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from argon2 import PasswordHasher

from tests.helpers import face_photo, sample
from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for
from tests.interfaces.web.test_notices import (  # noqa: F401  (fixture)
    _confirmed_case,
    _draft,
    sqlite_nweb,
)
from tests.website import ChangingSite

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}
LAPTOP = {"width": 1366, "height": 768}


def _sign_in(browser: Any, base: str, role: str, locale: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(locale=locale, viewport=viewport).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email_for(role))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
    return page


def _above_the_fold(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _widest(page: Any) -> str:
    """The outermost element that sticks out on the right, to say what to fix."""
    return str(
        page.evaluate(
            """() => { const w = window.innerWidth;
              const out = Array.from(document.querySelectorAll('main *'))
                .filter(e => e.getBoundingClientRect().right > w + 1);
              const e = out[0]; return e ? e.outerHTML.slice(0, 160) : ''; }"""
        )
    )


def _sideways(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def test_queue_filters_capture_button_and_korean_reasons(
    sqlite_web: Web, website: ChangingSite
) -> None:
    web = sqlite_web
    stella = web.agency("stella")
    stella.settings = replace(
        stella.settings, watch=replace(stella.settings.watch, allow_private=True)
    )
    stella.reports.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yao = stella.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")]).id
    face = stella.intake.add_file(
        face_photo("yaoming.jpg"), actor="t", source={"url": "https://x.com/a/status/1"}
    ).item_id
    other = stella.intake.add_file(
        sample("coffee.jpg"), actor="t", source={"url": "https://example.com/p/2"}
    ).item_id
    website.serve("/p/3.jpg", sample("rocket.jpg").read_bytes())
    sent = web.anonymous().post(
        "/api/v1/public/stella/reports",
        data={"url": website.url("/p/3.jpg"), "artist": str(yao), "description": "봤어요"},
    )
    number = sent.json()["number"]
    with live_server(web.app) as base, chromium() as browser:
        page = _sign_in(browser, base, "reviewer", "ko-KR", LAPTOP)
        page.goto(f"{base}/queue")
        rows = page.locator("[data-testid=queue-table] tr[data-item-id]")
        assert [r.get_attribute("data-item-id") for r in rows.all()] == [str(face), str(other)]
        why = page.inner_text(f"tr[data-item-id='{face}'] [data-testid=why]")
        assert "Yao Ming 얼굴 인식" in why and "recognised" not in why
        assert page.inner_text(f"tr[data-item-id='{face}'] [data-testid=platform]") == "x"
        page.select_option("select[name=platform]", "x")
        page.click("[data-testid=queue-filters] button[type=submit]")
        page.wait_for_url(lambda url: "platform=x" in url)
        assert page.locator("tr[data-item-id]").count() == 1
        assert page.locator("[data-testid=link-reports]").count() == 0  # loopback, not x
        page.screenshot(path=str(artifacts_dir() / "queue-filtered-ko.png"))

        page.goto(f"{base}/queue?state=awaiting_capture")
        assert page.locator("tr[data-item-id]").count() == 0
        report_row = page.locator(f"#report-{number}")
        assert "링크 제보 — 수집 대기" in report_row.inner_text()
        page.screenshot(path=str(artifacts_dir() / "queue-link-report-ko.png"), full_page=True)
        report_row.locator("[data-testid=capture]").click()
        page.wait_for_url(lambda url: "/items/" in url)
        item_id = int(page.url.rsplit("/", 1)[1])
        assert stella.reports.get(number).item_id == item_id
        assert "봤어요" in page.inner_text("[data-testid=fan-description]")
        # Reasons in Korean, no raw English reason on the Korean page.
        breakdown = page.inner_text("[data-testid=findings-risk]")
        assert "제보한 팬이 Yao Ming 선택" in breakdown or "Yao Ming 얼굴 인식" in breakdown
        assert "named by the fan" not in breakdown and "recognised" not in breakdown


def test_decision_above_the_fold_and_no_sideways_scroll_on_staff_pages(
    sqlite_nweb: Web,  # noqa: F811
) -> None:
    web = sqlite_nweb
    stella = web.agency("stella")
    artist = stella.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")]).id
    item_id, case = _confirmed_case(web, "https://localhost/v/a-very-long-path/" + "x" * 120)
    notice = _draft(web, case, explanation="A face-swapped photo of our artist.")
    waiting = stella.intake.add_file(
        face_photo("yaoming.jpg"), actor="t", source={"url": "https://x.com/a/status/9"}
    ).item_id
    pages = [
        "/dashboard",
        "/queue",
        f"/items/{waiting}",
        f"/items/{item_id}",
        "/roster",
        f"/roster/{artist}",
        "/cases",
        f"/cases/{case}",
        "/notices",
        "/notices/new",
        f"/notices/{notice['number']}",
        "/portal",
    ]
    with live_server(web.app) as base, chromium() as browser:
        for viewport, name in ((LAPTOP, "laptop"), (PHONE, "phone")):
            page = _sign_in(browser, base, "reviewer", "ko-KR", viewport)
            page.goto(f"{base}/items/{waiting}")
            for button in ("[data-testid=confirm]", "[data-testid=dismiss]"):
                assert _above_the_fold(page, button), (name, button)
            assert _above_the_fold(page, "#decision-reason"), name
            page.screenshot(path=str(artifacts_dir() / f"item-{name}-ko.png"))
        admin = _sign_in(browser, base, "admin", "ko-KR", PHONE)
        wide = {}
        for path in pages:
            admin.goto(f"{base}{path}")
            admin.wait_for_load_state("networkidle")
            if _sideways(admin) > 0:
                wide[path] = (_sideways(admin), _widest(admin))
                admin.screenshot(
                    path=str(artifacts_dir() / f"phone-{path.strip('/').replace('/', '-')}.png"),
                    full_page=True,
                )
        assert wide == {}, f"pages that scroll sideways at 375 px: {wide}"
        assert admin.evaluate("getComputedStyle(document.body).wordBreak") == "keep-all"


def test_report_number_and_pin_are_prominent_with_a_copy_button(sqlite_web: Web) -> None:
    web = sqlite_web
    web.agency("stella").reports.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with live_server(web.app) as base, chromium() as browser:
        context = browser.new_context(locale="ko-KR", viewport=PHONE)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        page.goto(f"{base}/report/stella")
        page.fill("input[name=url]", "https://x.com/someone/status/5")
        page.check("input[name=consent]")
        page.click("form[data-api] button[type=submit]")
        page.wait_for_selector("[data-testid=report-done]", state="visible")
        number = page.inner_text("[data-testid=report-number]").strip()
        pin = page.inner_text("[data-testid=report-pin]").strip()
        assert number.startswith("R-") and pin.isdigit()
        sizes = page.evaluate(
            """() => Array.from(document.querySelectorAll('#report-done *'))
                 .filter(e => e.offsetParent !== null && e.textContent.trim())
                 .map(e => [e.getAttribute('data-testid') || '',
                            parseFloat(getComputedStyle(e).fontSize)])"""
        )
        biggest = max(size for _, size in sizes)
        smallest = min(size for _, size in sizes)
        secrets = [size for testid, size in sizes if testid in ("report-number", "report-pin")]
        assert secrets and min(secrets) > smallest
        assert min(secrets) >= 0.9 * biggest or min(secrets) >= 24
        page.click("[data-testid=copy-both]")
        page.wait_for_selector("[data-copy-status]:has-text('복사했습니다')")
        assert page.evaluate("navigator.clipboard.readText()") == f"{number} {pin}"
        assert _sideways(page) <= 0
        page.screenshot(path=str(artifacts_dir() / "report-done-phone-ko.png"), full_page=True)
