"""Signing in through a real browser: the form, the cookie, the language switch."""

from __future__ import annotations

import pytest

from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for

pytestmark = pytest.mark.browser


def test_sign_in_switch_language_and_sign_out(sqlite_web: Web) -> None:
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = browser.new_page(locale="ko-KR")
        page.goto(f"{base}/dashboard")
        assert page.url.startswith(f"{base}/login")
        assert page.locator("html").get_attribute("lang") == "ko"
        page.fill("input[name=email]", email_for("reviewer"))
        page.fill("input[name=password]", "wrong password!")
        page.click("button[type=submit]")
        assert "올바르지 않습니다" in page.inner_text("[data-testid=login-error]")
        page.fill("input[name=email]", email_for("reviewer"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/dashboard")
        page.screenshot(path=str(artifacts_dir() / "login-dashboard-ko.png"), full_page=True)
        page.click("[data-testid=language-switch]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        page.click("text=Sign out")
        page.wait_for_url(f"{base}/login")
        cookies = {c["name"] for c in page.context.cookies()}
        assert "ig_session" not in cookies
