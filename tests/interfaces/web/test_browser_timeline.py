"""A video item's timeline in a real browser: the strip per face, flagged ranges, keyframes that
load (blurred), and no sideways scrolling at phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from idolguard.demo import write_pan_video
from tests.helpers import sample
from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}


def _sign_in(browser: Any, base: str) -> Any:
    page = browser.new_context(locale="ko-KR", viewport=PHONE).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email_for("reviewer"))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
    return page


def test_the_timeline_strip_and_keyframes_show_on_a_phone(sqlite_web: Web, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    # A still photo panned for 6 s: nothing in it talks or blinks, like an animated photo.
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=6.0, size=(480, 360))
    item_id = (
        sqlite_web.agency("stella")
        .intake.add_file(clip, actor="t", source={"url": "https://example.com/v/2"})
        .item_id
    )
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = _sign_in(browser, base)
        page.goto(f"{base}/items/{item_id}")
        page.wait_for_load_state("networkidle")
        strip = page.locator("[data-testid=timeline-strip]").first
        assert strip.is_visible()
        assert strip.locator(".timeline-cell").count() == 6
        assert "얼굴별 시간 흐름" in page.locator("[data-testid=findings-timeline]").inner_text()
        keyframes = page.locator("[data-testid=timeline-keyframe]")
        for i in range(keyframes.count()):
            image = keyframes.nth(i)
            image.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
            )
            assert "reveal" not in (image.get_attribute("src") or "")
        ranges = page.locator("[data-testid=timeline-range]").count()
        flagged = page.locator(".timeline-cell.flagged").count()
        assert (ranges > 0) == (flagged > 0) and ranges == keyframes.count()
        assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(artifacts_dir() / "item-timeline-phone-ko.png"), full_page=True)
