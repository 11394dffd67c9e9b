"""The fan guide and the agency's own words on the portal: pages, links, languages, editing.

Browser and accessibility checks of the same pages are in ``test_browser_guide.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import escape
from sqlalchemy import select

from idolguard.domain.fan_reports import STATUSES
from idolguard.domain.takedowns.views import PlatformStats
from idolguard.interfaces.web import create_app
from idolguard.interfaces.web.i18n import translate
from idolguard.interfaces.web.routes.guide import TOPICS
from idolguard.storage.models import CustodyEntry
from tests.interfaces.web.conftest import Web

GUIDE_PAGES = ["", *(f"/{topic}" for topic in TOPICS)]


def portal_pages(agency: str = "stella") -> list[str]:
    """Every public portal page that needs no report number."""
    return [
        "/report",
        f"/report/{agency}",
        f"/report/{agency}/status",
        *(f"/guide{page}" for page in GUIDE_PAGES),
        *(f"/report/{agency}/guide{page}" for page in GUIDE_PAGES),
    ]


def shown(lang: str, key: str, **values: object) -> str:
    """A message as the autoescaped templates write it (``'`` is ``&#39;``)."""
    return str(escape(translate(lang, key, **values)))


def _title(lang: str, topic: str | None) -> str:
    return shown(lang, f"guide.topic.{topic}" if topic else "guide.title")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_guide_page_in_both_languages(sqlite_web: Web, lang: str) -> None:
    client = sqlite_web.anonymous(**{"Accept-Language": lang})
    for root in ("/guide", "/report/stella/guide"):
        for topic in (None, *TOPICS):
            page = client.get(root + (f"/{topic}" if topic else ""))
            assert page.status_code == 200, (root, topic)
            html = page.text
            assert f'<html lang="{lang}">' in html
            assert f'<h1 id="guide-heading">{_title(lang, topic)}</h1>' in html
            # The contents link every topic, the current one marked for screen readers.
            for slug in TOPICS:
                assert f'href="{root}/{slug}"' in html
            if topic:
                assert f'href="{root}/{topic}" aria-current="page"' in html


def test_korean_is_the_default_for_korean_browsers_and_no_preference(sqlite_web: Web) -> None:
    korean = sqlite_web.anonymous(**{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    assert shown("ko", "guide.spot.limits_title") in korean.get("/guide/spot").text
    unstated = sqlite_web.anonymous(**{"Accept-Language": ""})
    assert '<html lang="ko">' in unstated.get("/guide").text
    english = sqlite_web.anonymous(**{"Accept-Language": "en-GB"})
    assert shown("en", "guide.spot.limits_title") in english.get("/guide/spot").text


def test_every_portal_page_links_the_guide(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    for url in portal_pages():
        html = client.get(url).text
        expected = "/guide" if url in ("/report",) or url.startswith("/guide") else "/report/"
        link = re.search(r'<a href="([^"]+)" data-testid="guide-link"', html)
        assert link is not None, url
        assert link.group(1).startswith(expected), (url, link.group(1))
        assert 'data-testid="skip-link"' in html and '<main id="main"' in html
    agencies = client.get("/report").text
    assert 'href="/guide" data-testid="agencies-guide-link"' in agencies
    form = client.get("/report/stella").text
    assert 'href="/report/stella/guide" data-testid="guide-link"' in form
    assert 'data-testid="form-guide-link"' in form


def test_confirmation_and_status_pages_explain_what_happens(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    form = client.get("/report/stella").text
    done = form[form.index('id="report-done"') :]
    assert 'data-testid="next-steps"' in done
    assert shown("en", "guide.next.review") in done
    assert 'href="/report/stella/guide/next-steps" data-testid="done-guide-link"' in done
    assert shown("en", "guide.next.time_none", agency="Stella Entertainment") in done

    status = client.get("/report/stella/status").text
    for state in STATUSES:
        assert f'data-state="{state}"' in status
        assert shown("en", f"report.state.{state}") in status
        assert shown("en", f"report.explain.{state}") in status
    assert 'data-testid="status-guide-link"' in status


def test_help_page_names_the_support_services(sqlite_web: Web) -> None:
    for lang in ("ko", "en"):
        html = sqlite_web.anonymous(**{"Accept-Language": lang}).get("/guide/help").text
        assert shown(lang, "guide.help.d4u_name") in html
        assert 'href="tel:+82-2-735-8994"' in html and "02-735-8994" in html
        assert 'href="https://stopncii.org"' in html
        assert 'href="https://takeitdown.ncmec.org"' in html
    assert (
        "디지털성범죄피해자지원센터"
        in sqlite_web.anonymous(**{"Accept-Language": "ko"}).get("/guide/help").text
    )


def test_platform_links_come_from_the_directory(sqlite_web: Web) -> None:
    html = sqlite_web.anonymous().get("/guide/platforms").text
    assert 'href="https://support.google.com/youtube/answer/2802027"' in html
    naver = html[html.index('data-platform="naver"') :]
    naver = naver[: naver.index("</tr>")]
    assert shown("en", "guide.platforms.use_menu") in naver
    assert 'data-platform="kcsc"' not in html  # authorities are not where fans report
    # Without an agency there are no measurements to show, so no column for them.
    assert shown("en", "guide.platforms.time") not in html


def test_an_edited_directory_copy_changes_the_links(sqlite_web: Web, tmp_path: object) -> None:
    installation = sqlite_web.installation
    directory = installation.settings.home / "my-platforms.toml"
    directory.write_text(
        '[platforms.fanforum]\nname = "Fan Forum"\ndomains = ["fanforum.example"]\n'
        'fan_help = "https://fanforum.example/help/report"\n'
    )
    installation.settings = replace(
        installation.settings,
        notices=replace(installation.settings.notices, directory_file=str(directory)),
    )
    html = sqlite_web.anonymous().get("/guide/platforms").text
    assert 'href="https://fanforum.example/help/report"' in html
    assert "youtube" not in html


def _stats(platform: str, removed: int, median: float) -> PlatformStats:
    return PlatformStats(platform, removed, removed, removed, 0, 0, median, median, median, median)


def test_measured_time_to_takedown_is_shown_where_the_agency_has_data(sqlite_web: Web) -> None:
    stella = sqlite_web.agency("stella")
    stella.portal.takedown_stats = lambda: [_stats("youtube", 4, 30.0), _stats("x", 1, 2.0)]
    client = sqlite_web.anonymous()
    for url in ("/report/stella/guide/next-steps", "/report/stella"):
        html = client.get(url).text
        table = html[html.index('data-testid="takedown-times"') :]
        youtube = table[table.index('data-platform="youtube"') :]
        assert "30 h" in youtube[: youtube.index("</tr>")]
        x = table[table.index('data-platform="x"') :]
        assert shown("en", "guide.next.too_few") in x[: x.index("</tr>")]
    platforms = client.get("/report/stella/guide/platforms").text
    row = platforms[platforms.index('data-platform="youtube"') :]
    assert "30 h" in row[: row.index("</tr>")]
    korean = sqlite_web.anonymous(**{"Accept-Language": "ko"}).get(
        "/report/stella/guide/next-steps"
    )
    assert "30시간" in korean.text
    # Another agency has measured nothing and says so plainly.
    nova = client.get("/report/nova/guide/next-steps").text
    assert shown("en", "guide.next.time_none", agency="Nova Music") in nova
    assert 'data-testid="takedown-times"' not in nova


def test_durations_read_naturally(sqlite_web: Web) -> None:
    stella = sqlite_web.agency("stella")
    stella.portal.takedown_stats = lambda: [
        _stats("youtube", 3, 0.4),
        _stats("x", 3, 100.0),
    ]
    html = sqlite_web.anonymous().get("/report/stella/guide/next-steps").text
    assert "24 min" in html  # a fast removal reads in minutes, not "under an hour" or 0.0
    assert "4.2 days" in html
    korean = sqlite_web.anonymous(**{"Accept-Language": "ko"})
    assert "24분" in korean.get("/report/stella/guide/next-steps").text


def test_unknown_pages_and_agencies_and_a_closed_portal(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    assert client.get("/guide/nope").status_code == 404
    assert client.get("/report/stella/guide/nope").status_code == 404
    assert client.get("/report/nobody/guide").status_code == 404
    installation = sqlite_web.installation
    closed = create_app(installation, replace(installation.settings.web, fan_reports=False))
    from fastapi.testclient import TestClient

    with TestClient(closed) as shut:
        assert shut.get("/guide").status_code == 404
        assert shut.get("/report/stella/guide/help").status_code == 404


# -------------------------------------------------------------- agency blocks
STATEMENT = (
    '<p onclick="alert(1)">We act on <strong>every</strong> report.</p>'
    '<script>document.location="https://evil.example"</script>'
    '<a href="javascript:alert(2)">click</a>'
)


def test_admin_sets_blocks_and_the_public_sees_them_sanitised(web: Web) -> None:
    admin = web.browser("admin")
    put = admin.put(
        "/api/v1/portal/statement/en",
        json={"html": STATEMENT},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert put.status_code == 200, put.text
    stored = put.json()["html"]
    assert stored.startswith("<p>We act on <strong>every</strong> report.</p>")
    for gone in ("onclick", "script", "javascript", "evil.example"):
        assert gone not in stored
    artists = "<ul><li>Han Yuri (STELLA)</li></ul>"
    assert admin.put(
        "/api/v1/portal/artists/ko", json={"html": artists}, headers={"X-CSRF-Token": admin.csrf}
    ).is_success

    public = web.anonymous()
    for url in ("/report/stella/guide", "/report/stella"):
        html = public.get(url).text
        assert "We act on <strong>every</strong> report." in html
        assert (
            '<div class="agency-text" lang="ko"><ul><li>Han Yuri (STELLA)</li></ul></div>' in html
        )
        assert "javascript:" not in html and "alert(" not in html
    # Strictly the agency's own: another agency's pages and the neutral guide show none of it.
    for url in ("/report/nova/guide", "/report/nova", "/guide"):
        assert "We act on" not in public.get(url).text

    listed = web.api("admin").get("/api/v1/portal").json()
    assert {(b["key"], b["language"]) for b in listed["blocks"]} == {
        ("statement", "en"),
        ("artists", "ko"),
    }
    assert listed["blocks"][0]["updated_by"] == "web:admin@stella.test"

    page = admin.get("/portal")
    assert page.status_code == 200
    assert "&lt;p&gt;We act on &lt;strong&gt;every&lt;/strong&gt; report.&lt;/p&gt;" in page.text

    cleared = admin.delete("/api/v1/portal/statement/en", headers={"X-CSRF-Token": admin.csrf})
    assert cleared.json() == {"cleared": True}
    assert "We act on" not in public.get("/report/stella/guide").text

    with web.agency("stella").database.session() as session:
        actions = [
            (e.actor, e.subject, e.details["event"])
            for e in session.scalars(
                select(CustodyEntry)
                .where(CustodyEntry.action == "portal")
                .order_by(CustodyEntry.seq)
            )
        ]
    assert actions == [
        ("web:admin@stella.test", "portal:statement:en", "set"),
        ("web:admin@stella.test", "portal:artists:ko", "set"),
        ("web:admin@stella.test", "portal:statement:en", "cleared"),
    ]


def test_editing_is_for_admins_with_a_csrf_token(sqlite_web: Web) -> None:
    body = {"html": "<p>x</p>"}
    for role in ("reviewer", "legal", "viewer"):
        assert sqlite_web.api(role).put("/api/v1/portal/statement/ko", json=body).status_code == 403
        assert sqlite_web.browser(role).get("/portal").status_code == 403
    assert sqlite_web.anonymous().put("/api/v1/portal/statement/ko", json=body).status_code == 401
    admin = sqlite_web.browser("admin")
    assert admin.put("/api/v1/portal/statement/ko", json=body).status_code == 403  # no token
    foreign = admin.put(
        "/api/v1/portal/statement/ko",
        json=body,
        headers={"X-CSRF-Token": admin.csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    api = sqlite_web.api("admin")
    assert api.put("/api/v1/portal/banner/ko", json=body).status_code == 404
    assert api.put("/api/v1/portal/statement/ja", json=body).status_code == 404
    empty = api.put("/api/v1/portal/statement/ko", json={"html": "<script>x</script>"})
    assert empty.status_code == 400 and "nothing is left" in empty.json()["error"]
    assert api.put("/api/v1/portal/statement/ko", json={"html": "x" * 20_001}).status_code == 422
    assert sqlite_web.agency("stella").portal.blocks() == []
    # The admin's page is linked from the staff navigation for admins only.
    assert 'href="/portal"' in admin.get("/dashboard").text
    assert 'href="/portal"' not in sqlite_web.browser("viewer").get("/dashboard").text
