"""The dashboard over HTTP: who may read it, what it counts, and the page with its charts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from idolguard.app import IdolGuard
from idolguard.clock import utcnow
from idolguard.config import Settings
from idolguard.domain.accounts import ROLES
from tests.domain.test_dashboard import add_artist, add_item, send_notice, with_notices
from tests.interfaces.web.conftest import Web

ACTOR = "web-test"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The usual test settings, with a sender and a platform directory for notices."""
    return with_notices(settings, tmp_path)


@pytest.fixture
def sqlite_settings(sqlite_settings: Settings, tmp_path: Path) -> Settings:
    return with_notices(sqlite_settings, tmp_path)


def arrange(agency: IdolGuard) -> dict[str, Any]:
    """Stella: three items (two on x, one on localhost), two confirmed, one overdue notice."""
    yuri = add_artist(agency, "Han Yuri")
    first = add_item(agency, "astronaut.jpg", "https://x.com/a/1", platform="x")
    second = add_item(agency, "rocket.jpg", "https://x.com/a/2", platform="x")
    add_item(agency, "chelsea.jpg", "http://localhost/v/3")
    agency.review.confirm(first, actor=ACTOR, reason="face swap", artist_id=yuri)
    agency.review.confirm(second, actor=ACTOR, reason="face swap", artist_id=yuri)
    hours = agency.settings.notices.kcsc_deadline_hours
    late = send_notice(agency, first, sent_at=utcnow() - timedelta(hours=hours + 5))
    return {"yuri": yuri, "late": late}


def test_every_role_reads_the_dashboard_and_strangers_do_not(web: Web) -> None:
    for role in ROLES:
        answer = web.api(role).get("/api/v1/dashboard")
        assert answer.status_code == 200, (role, answer.text)
        assert len(answer.json()["series"]) == 30
        assert web.browser(role).get("/dashboard").status_code == 200
    anonymous = web.anonymous()
    refused = anonymous.get("/api/v1/dashboard")
    assert refused.status_code == 401 and "error" in refused.json()
    page = anonymous.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_days_must_be_between_1_and_365(sqlite_web: Web) -> None:
    client = sqlite_web.api("viewer")
    for days in ("0", "366", "-3", "many"):
        answer = client.get("/api/v1/dashboard", params={"days": days})
        assert answer.status_code == 422, days
        assert "days" in answer.json()["error"]
    assert client.get("/api/v1/dashboard", params={"artist_id": "x"}).status_code == 422
    assert len(client.get("/api/v1/dashboard", params={"days": 365}).json()["series"]) == 365
    # An empty filter (as the page's form sends "all") means no filter.
    blank = client.get("/api/v1/dashboard?days=7&artist_id=&platform=")
    assert blank.status_code == 200 and blank.json()["filters"] == {
        "artist_id": None,
        "platform": None,
    }


def test_the_numbers_match_the_arranged_data(web: Web) -> None:
    arranged = arrange(web.agency("stella"))
    data = web.api("viewer").get("/api/v1/dashboard", params={"days": 7}).json()
    today = utcnow().date().isoformat()
    assert data["series"][-1]["day"] == today
    assert {k: data["series"][-1][k] for k in ("found", "confirmed", "removed")} == {
        "found": 3,
        "confirmed": 2,
        "removed": 0,
    }
    totals = data["totals"]
    assert (totals["queue"], totals["confirmed"], totals["open_notices"], totals["overdue"]) == (
        1,
        2,
        1,
        1,
    )
    by_artist = {row["artist"]: row["confirmed"] for row in data["by_artist"]}
    assert by_artist == {"Han Yuri": 2, "unknown": 0}
    by_platform = {row["platform"]: row["found"] for row in data["by_platform"]}
    assert by_platform == {"x": 2, "localhost": 1}
    [late] = data["overdue"]
    assert late["number"] == arranged["late"] and 4.5 < late["hours_overdue"] < 5.5
    assert [b["key"] for b in data["time_to_takedown"]["buckets"]] == [
        "lt_6h",
        "6_24h",
        "24_48h",
        "48_72h",
        "3_7d",
        "gt_7d",
    ]
    filtered = web.api("legal").get(
        "/api/v1/dashboard", params={"artist_id": arranged["yuri"], "platform": "x"}
    )
    assert filtered.json()["totals"]["found"] == 2
    only_local = web.api("legal").get("/api/v1/dashboard", params={"platform": "localhost"})
    assert only_local.json()["totals"]["found"] == 1 and only_local.json()["overdue"] == []


def test_agencies_see_only_their_own_figures(web: Web) -> None:
    arrange(web.agency("stella"))
    add_item(web.agency("nova"), "coffee.jpg", "https://nova-only.test/p/1", platform="novatube")
    nova = web.api("admin", "nova").get("/api/v1/dashboard").json()
    assert nova["totals"]["found"] == 1 and nova["overdue"] == []
    assert [row["platform"] for row in nova["by_platform"]] == ["novatube"]
    assert [row["artist"] for row in nova["by_artist"]] == ["unknown"]
    stella = web.api("viewer").get("/api/v1/dashboard").json()
    assert "novatube" not in {row["platform"] for row in stella["by_platform"]}
    assert stella["totals"]["found"] == 3


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_page_has_totals_charts_and_overdue_links(sqlite_web: Web, lang: str) -> None:
    arranged = arrange(sqlite_web.agency("stella"))
    page = sqlite_web.browser("viewer", lang=lang).get("/dashboard", params={"days": 7})
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{lang}">' in html
    assert '<script src="/static/vendor/chart.umd.min.js" defer></script>' in html
    assert '<script src="/static/dashboard.js" defer></script>' in html
    for chart in ("chart-series", "chart-artists", "chart-platforms", "chart-ttd"):
        assert f'id="{chart}" data-testid="{chart}" role="img"' in html
    assert 'id="dashboard-labels"' in html and 'data-src="/api/v1/dashboard?days=7' in html
    assert f'href="/notices/{arranged["late"]}"' in html
    assert 'data-testid="total-overdue"' in html and 'class="card error"' in html
    assert "Han Yuri" in html  # the artist filter lists the roster... and the tables
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    if lang == "ko":
        assert "대시보드" in html and "기한이 지난 삭제 요청" in html and "최근 7일" in html
        assert "삭제까지 걸린 시간" in html
    else:
        assert "Overdue notices" in html and "Last 7 days" in html
        assert "Time to takedown" in html


def test_the_page_honours_filters_and_escapes_them(sqlite_web: Web) -> None:
    arranged = arrange(sqlite_web.agency("stella"))
    client = sqlite_web.browser("reviewer")
    page = client.get(
        "/dashboard", params={"days": 30, "artist_id": arranged["yuri"], "platform": "localhost"}
    )
    assert page.status_code == 200
    assert f'<option value="{arranged["yuri"]}" selected>' in page.text
    assert '<option value="localhost" selected>' in page.text
    assert "No notice is past its deadline." in page.text  # the x notice is filtered out
    hostile = client.get("/dashboard", params={"platform": '"><script>alert(1)</script>'})
    assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text
    assert client.get("/dashboard", params={"days": 0}).status_code == 422


def test_the_chart_script_and_library_are_served(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    script = client.get("/static/dashboard.js")
    assert script.status_code == 200 and "data-ready" in script.text
    library = client.get("/static/vendor/chart.umd.min.js")
    assert library.status_code == 200 and "Chart.js" in library.text[:200]


@pytest.mark.browser
def test_the_charts_draw_in_a_real_browser_without_csp_errors(sqlite_web: Web) -> None:
    from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
    from tests.interfaces.web.conftest import PASSWORD, email_for

    arrange(sqlite_web.agency("stella"))
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = browser.new_page(locale="ko-KR")
        problems: list[str] = []
        failed: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/login?next=/dashboard")
        page.fill("input[name=email]", email_for("viewer"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/dashboard")
        for chart in ("chart-series", "chart-artists", "chart-platforms", "chart-ttd"):
            page.wait_for_selector(f"[data-testid={chart}][data-ready=true]", timeout=10_000)
        page.screenshot(path=str(artifacts_dir() / "dashboard-ko.png"), full_page=True)
        failed = [url for url in failed if not url.endswith("/favicon.ico")]
        assert failed == []
        assert [p for p in problems if "Failed to load resource" not in p] == []
        assert page.locator("[data-dashboard-error]").is_hidden()
