"""The API reference at /api/docs: Swagger UI served from the package, under the strict CSP."""

from __future__ import annotations

import re

import pytest

from idolguard.interfaces.web.app import STATIC
from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import Web


def test_docs_page_loads_only_this_sites_scripts_and_no_inline_code(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(?!data:)([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None  # no inline script
    for source in sources:
        assert client.get(source).status_code == 200, source
    for licence in ("swagger-ui-LICENSE", "swagger-ui-NOTICE"):
        assert (STATIC / "vendor" / licence).is_file()
    assert client.get("/api/redoc").status_code == 404  # not served, rather than blank


@pytest.mark.browser
def test_docs_render_the_operations_without_csp_violations(sqlite_web: Web) -> None:
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
        page.goto(f"{base}/api/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/me" in p for p in paths), paths[:5]
        assert page.locator(".opblock").count() >= 20
        page.locator(".opblock-summary").first.click()  # an operation opens, styles and all
        page.wait_for_selector(".opblock-body .responses-wrapper", timeout=10_000)
        page.screenshot(path=str(artifacts_dir() / "api-docs.png"))
        assert not problems, problems
