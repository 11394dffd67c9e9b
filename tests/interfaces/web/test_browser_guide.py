"""The fan guide and report portal in a real browser: accessibility (axe-core), phones, keyboard.

axe-core comes bundled in the ``axe-playwright-python`` package (nothing is
fetched at test time) and is run inside Debian's Chromium on every guide page
and on the report form, its confirmation and the status page, in Korean and
English, at a desktop and a phone viewport. Serious and critical violations
fail the test (colour contrast included); a self-check proves the checker
does see a contrast failure, so a silent checker cannot pass the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import Web
from tests.interfaces.web.test_guide import GUIDE_PAGES

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}
LOCALES = {"ko": "ko-KR", "en": "en-US"}
FAILING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe violations on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
        if v.get("impact") in FAILING_IMPACTS
    ]


@pytest.fixture
def site(sqlite_web: Web) -> Iterator[tuple[str, Any]]:
    """A live server with agency text and measured times, and a browser on it."""
    stella = sqlite_web.agency("stella")
    stella.portal.set_block(
        "statement",
        "ko",
        "<p>팬 여러분의 신고 덕분에 <strong>빠르게</strong> 대응합니다.</p>",
        actor="t",
    )
    stella.portal.set_block(
        "contact",
        "en",
        '<p><a href="mailto:protect@stella.example">protect@stella.example</a></p>',
        actor="t",
    )
    stella.portal.set_block("artists", "en", "<ul><li>Han Yuri (STELLA)</li></ul>", actor="t")
    from tests.interfaces.web.test_guide import _stats

    stella.portal.takedown_stats = lambda: [_stats("youtube", 5, 20.0), _stats("x", 1, 3.0)]
    with live_server(sqlite_web.app) as base, chromium() as browser:
        yield base, browser


def _overflow(page: Any) -> int:
    """How far the page is wider than the screen (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", list(LOCALES))
def test_portal_and_guide_pages_pass_axe(site: tuple[str, Any], lang: str, viewport: str) -> None:
    base, browser = site
    context = browser.new_context(locale=LOCALES[lang], **VIEWPORTS[viewport])
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")  # the app serves no icon
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    problems: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == lang, name
        found = axe_violations(page)
        if viewport == "phone" and _overflow(page) > 1:
            found.append(f"scrolls sideways by {_overflow(page)}px at phone width")
        if found:
            problems[name] = found

    for path in GUIDE_PAGES:
        for root in ("/guide", "/report/stella/guide"):
            page.goto(f"{base}{root}{path}")
            check(f"{root}{path}")
    page.goto(f"{base}/report")
    check("/report")

    page.goto(f"{base}/report/stella")
    check("report form")
    page.fill("input[name=url]", "https://x.com/someone/status/1")
    page.check("input[name=consent]")
    page.click("form[data-report-form] button[type=submit]")
    page.wait_for_selector("[data-testid=report-done]", state="visible")
    number = page.inner_text("[data-testid=report-done] [data-field=number]").strip()
    pin = page.inner_text("[data-testid=report-done] [data-field=pin]").strip()
    check("confirmation")
    page.screenshot(
        path=str(artifacts_dir() / f"guide-confirmation-{lang}-{viewport}.png"), full_page=True
    )

    page.goto(f"{base}/report/stella/status")
    check("status form")
    page.fill("input[name=number]", number)
    page.fill("input[name=pin]", pin)
    page.click("form[data-status-form] button[type=submit]")
    page.wait_for_selector("[data-testid=report-status]", state="visible")
    assert page.locator("[data-state=received].current").count() == 1
    check("status result")

    page.goto(f"{base}/report/stella/guide/next-steps")
    page.screenshot(path=str(artifacts_dir() / f"guide-next-{lang}-{viewport}.png"), full_page=True)
    context.close()
    assert not problems, "\n".join(f"{k}: {'; '.join(v)}" for k, v in problems.items())
    assert not errors, errors


def test_the_checker_sees_a_contrast_failure(site: tuple[str, Any]) -> None:
    """Guard against a checker that silently finds nothing: pale grey text must fail."""
    base, browser = site
    page = browser.new_page(locale="en-US")
    page.goto(f"{base}/guide/spot")
    assert axe_violations(page) == []
    page.evaluate(
        "document.querySelector('main p').style.color = '#c8c8c8'"
    )  # CSSOM, allowed by the CSP; about 1.7:1 on white
    assert any(v.startswith("color-contrast (serious)") for v in axe_violations(page))


def _focused(page: Any) -> str:
    """The focused element as tag, name or testid, and its text: enough to recognise it."""
    return str(
        page.evaluate(
            """() => { const e = document.activeElement; if (!e) return '';
              return [e.tagName.toLowerCase(), e.getAttribute('name') || '',
                      e.getAttribute('data-testid') || '', e.getAttribute('href') || '',
                      (e.textContent || '').trim().slice(0, 40)].join('|'); }"""
        )
    )


def _tab_until(page: Any, wanted: str, limit: int = 40) -> list[str]:
    """Press Tab until an element whose description contains ``wanted`` has focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if wanted in seen[-1]:
            return seen
    raise AssertionError(f"Tab never reached {wanted!r}; focus went through {seen}")


def test_keyboard_only_fan_reads_the_guide_and_reports(site: tuple[str, Any]) -> None:
    base, browser = site
    page = browser.new_page(locale="ko-KR")
    page.goto(f"{base}/report/stella")

    # The first Tab lands on the skip link, visible while focused; Enter skips the header.
    page.keyboard.press("Tab")
    assert "skip-link" in _focused(page)
    box = page.locator("[data-testid=skip-link]").bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    after_skip = _tab_until(page, "artist")
    assert not any("guide-link" in step or "language-switch" in step for step in after_skip)

    # Every field of the form is reachable in order, then the submit button.
    order = _tab_until(page, "button||||")
    names = [step.split("|")[1] for step in after_skip + order]
    assert [n for n in names if n] == [
        "artist",
        "subject",  # what is reported: media, or an account pretending to be the artist
        "url",
        "file",
        "description",
        "contact",
        "consent",
    ]

    # From the top, Tab reaches the fan guide link in the header and Enter follows it.
    page.goto(f"{base}/report/stella")
    _tab_until(page, "guide-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/report/stella/guide")
    _tab_until(page, "/report/stella/guide/help")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/report/stella/guide/help")

    # A report sent with the keyboard alone; focus moves to the confirmation.
    page.goto(f"{base}/report/stella")
    _tab_until(page, "|url|")
    page.keyboard.type("https://x.com/someone/status/2")
    _tab_until(page, "|consent|")
    page.keyboard.press("Space")
    _tab_until(page, "button||||")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=report-done]", state="visible")
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'report-done-heading'"
    )
    _tab_until(page, "/report/stella/guide/next-steps")
