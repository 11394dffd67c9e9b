"""An agency's portal blocks: sanitised to the allow-list, stored per language, audited;
and the measured removal times the fan guide shows (never invented)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from idolguard.app import IdolGuard
from idolguard.domain.fan_reports.portal_content import (
    MAX_HTML,
    MIN_REMOVALS_FOR_TYPICAL,
    PortalError,
    PortalService,
    sanitise_html,
)
from idolguard.domain.takedowns.views import PlatformStats
from idolguard.notices.directory import PlatformDirectory
from idolguard.storage.models import CustodyEntry
from tests.domain.test_dashboard import arranged, dapp  # noqa: F401  (fixtures)

ACTOR = "cli:admin"

HOSTILE = [
    ('<p onclick="alert(1)">hi</p>', "onclick"),
    ("<p>hi<script>alert(1)</script></p>", "alert"),
    ('<a href="javascript:alert(1)">x</a>', "javascript"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "alert"),
    ('<a href=" javascript:alert(1)">x</a>', "alert"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<svg onload="alert(1)"><circle/></svg>', "onload"),
    ('<iframe src="https://evil.example"></iframe>', "iframe"),
    ("<style>body{display:none}</style><p>x</p>", "display"),
    ('<p style="position:fixed;top:0">x</p>', "style"),
    ('<form action="https://evil.example"><input name="pin"></form>', "input"),
    ('<a href="https://ok.example" onmouseover="steal()">x</a>', "steal"),
    ("<!-- <script>alert(1)</script> --><p>x</p>", "script"),
    ('<object data="x.swf"></object><embed src="x.swf">', "swf"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "refresh"),
    ('<base href="https://evil.example/">', "base"),
    ('<p><a href="https://ok.example" target="_blank">x</a></p>', "_blank"),
]


@pytest.mark.parametrize(("html", "forbidden"), HOSTILE)
def test_scripts_handlers_and_dangerous_urls_are_stripped(html: str, forbidden: str) -> None:
    clean = sanitise_html(html)
    assert forbidden.lower() not in clean.lower(), clean
    assert "<script" not in clean.lower()


def test_the_allow_list_keeps_plain_structure_and_safe_links() -> None:
    html = (
        "<h3>Our statement</h3><p><strong>We</strong> act on <em>every</em> report.</p>"
        '<ul><li><a href="https://stella.example/artists" title="list">Artists</a></li>'
        '<li><a href="mailto:protect@stella.example">e-mail</a></li>'
        '<li><a href="tel:+82-2-555-0100">phone</a></li></ul><blockquote>quote</blockquote>'
    )
    clean = sanitise_html(html)
    for kept in (
        "<h3>Our statement</h3>",
        "<strong>We</strong>",
        "<em>every</em>",
        'href="https://stella.example/artists"',
        'href="mailto:protect@stella.example"',
        'href="tel:+82-2-555-0100"',
        "<blockquote>quote</blockquote>",
    ):
        assert kept in clean
    # Links from an agency's text never pass on the referrer or the opener.
    assert clean.count('rel="noopener noreferrer nofollow"') == 3
    # Page-level headings and layout are the page's, not the agency's: unwrapped to text.
    assert sanitise_html("<h1>Big</h1><div>text</div>") == "Bigtext"


def test_set_show_and_clear_blocks_with_custody(app: IdolGuard) -> None:
    portal = app.portal
    stored = portal.set_block(
        "statement",
        "ko",
        '<p onclick="x()">팬 여러분 고맙습니다</p><script>x()</script>',
        actor=ACTOR,
    )
    assert stored.html == "<p>팬 여러분 고맙습니다</p>"
    assert stored.updated_by == ACTOR
    portal.set_block("statement", "ko", "<p>두 번째</p>", actor=ACTOR)
    portal.set_block("contact", "en", '<a href="mailto:p@stella.example">mail us</a>', actor=ACTOR)
    assert [(b.key, b.language) for b in portal.blocks()] == [
        ("statement", "ko"),
        ("contact", "en"),
    ]

    korean = portal.content("ko")
    assert korean["statement"].html == "<p>두 번째</p>" and korean["statement"].language == "ko"
    # English readers still get the Korean statement, marked as Korean; and vice versa.
    english = portal.content("en")
    assert english["statement"].language == "ko"
    assert korean["contact"].language == "en"
    assert "artists" not in english

    assert portal.clear_block("statement", "ko", actor=ACTOR) is True
    assert portal.clear_block("statement", "ko", actor=ACTOR) is False
    assert "statement" not in portal.content("ko")

    with app.database.session() as session:
        entries = session.scalars(
            select(CustodyEntry).where(CustodyEntry.action == "portal").order_by(CustodyEntry.seq)
        ).all()
        logged: list[tuple[str, str, dict[str, Any]]] = [
            (e.subject, e.actor, dict(e.details)) for e in entries
        ]
    assert [(subject, details["event"]) for subject, _actor, details in logged] == [
        ("portal:statement:ko", "set"),
        ("portal:statement:ko", "set"),
        ("portal:contact:en", "set"),
        ("portal:statement:ko", "cleared"),
    ]
    first, second = logged[0][2], logged[1][2]
    assert first["previous_sha256"] is None and first["sanitised"] is True
    assert second["previous_sha256"] == first["sha256"] and second["sanitised"] is False
    assert logged[3][2]["previous_sha256"] == second["sha256"]
    assert {actor for _subject, actor, _details in logged} == {ACTOR}
    assert app.custody.verify().ok


def test_refusals(app: IdolGuard) -> None:
    portal = app.portal
    with pytest.raises(PortalError, match="unknown block 'banner'"):
        portal.set_block("banner", "ko", "<p>x</p>", actor=ACTOR)
    with pytest.raises(PortalError, match="unknown language 'ja'"):
        portal.set_block("statement", "ja", "<p>x</p>", actor=ACTOR)
    with pytest.raises(PortalError, match="nothing is left"):
        portal.set_block("statement", "en", "<script>alert(1)</script>", actor=ACTOR)
    with pytest.raises(PortalError, match="longer than"):
        portal.set_block("statement", "en", "x" * (MAX_HTML + 1), actor=ACTOR)
    with pytest.raises(PortalError, match="control characters"):
        portal.set_block("statement", "en", "<p>a\x00b</p>", actor=ACTOR)
    with pytest.raises(PortalError, match="unknown language"):
        portal.content("fr")
    assert portal.blocks() == []


def _stats(platform: str, removed: int, median: float | None) -> PlatformStats:
    return PlatformStats(
        platform=platform,
        notices_sent=removed + 1,
        urls_reported=removed + 1,
        urls_removed=removed,
        open_notices=1,
        overdue_notices=0,
        median_hours=median,
        p90_hours=median,
        fastest_hours=median,
        slowest_hours=median,
    )


def test_takedown_times_come_from_measurements_only(app: IdolGuard) -> None:
    stats = [
        _stats("youtube", MIN_REMOVALS_FOR_TYPICAL, 30.0),
        _stats("x", MIN_REMOVALS_FOR_TYPICAL + 2, 6.0),
        _stats("naver", 1, 2.0),  # one removal is not "typical"
        _stats("reddit", 0, None),  # nothing removed: nothing to say
        _stats("forum.example", MIN_REMOVALS_FOR_TYPICAL, 50.0),  # not in the directory
    ]
    portal = PortalService(app.database, app.custody, lambda: stats, PlatformDirectory.load)
    times = portal.takedown_times()
    assert [(t.platform, t.typical) for t in times] == [
        ("x", True),
        ("youtube", True),
        ("forum.example", True),
        ("naver", False),
    ]
    naver = times[-1]
    assert naver.display_name("ko") == "네이버" and naver.display_name("en") == "Naver"
    assert times[2].display_name("ko") == "forum.example"

    guide = {entry.key: entry for entry in portal.platform_guide()}
    assert guide["youtube"].help_url == "https://support.google.com/youtube/answer/2802027"
    assert guide["youtube"].takedown is not None and guide["youtube"].takedown.typical
    assert guide["naver"].help_url is None  # fans are told to use the post's menu
    assert guide["reddit"].takedown is None
    assert "kcsc" not in guide and "d4u" not in guide  # authorities are not platforms

    assert (
        PortalService(app.database, app.custody, list, PlatformDirectory.load).takedown_times()
        == []
    )


def test_an_edited_directory_copy_is_used(app: IdolGuard) -> None:
    directory = PlatformDirectory.from_toml_text(
        """
[platforms.fanforum]
name = "Fan Forum"
domains = ["fanforum.example"]
fan_help = "https://fanforum.example/help/report"
""",
        "my-platforms.toml",
    )
    portal = PortalService(app.database, app.custody, list, lambda: directory)
    [entry] = portal.platform_guide()
    assert (entry.key, entry.help_url) == ("fanforum", "https://fanforum.example/help/report")


def test_real_notices_give_the_measured_time(dapp: IdolGuard, arranged: dict[str, Any]) -> None:  # noqa: F811
    """One notice was sent 30 hours ago and the URL seen gone 20 hours ago: 10 hours."""
    [measured] = dapp.portal.takedown_times()
    assert measured.removals == 1 and measured.median_hours == pytest.approx(10.0)
    assert not measured.typical  # one removal is a measurement, not yet a typical time
