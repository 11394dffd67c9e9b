"""Reading profile pages: Open Graph facts, handles from titles and paths, outbound links."""

from __future__ import annotations

from idolguard.sources.profile_pages import handle_from_url, parse_profile_page

PAGE = b"""<html><head>
<title>ignored</title>
<meta property="og:title" content="Haneul (@haneul_real) / X">
<meta property="og:description" content="Official. Fan meeting tickets, DM me">
<meta property="og:image" content="/img/avatar.jpg">
</head><body>
<a href="https://t.me/haneul_vip">telegram</a>
<a href="https://x.com/other">same site</a>
<a href="javascript:alert(1)">no</a>
</body></html>"""


def test_open_graph_profile() -> None:
    page = parse_profile_page(PAGE, "https://x.com/haneul_real", "text/html")
    assert (page.platform, page.handle, page.display_name) == ("x", "haneul_real", "Haneul")
    assert page.bio == "Official. Fan meeting tickets, DM me"
    assert page.avatar_url == "https://x.com/img/avatar.jpg"
    assert page.links == ("https://t.me/haneul_vip",)


def test_handle_from_path_and_title_suffix() -> None:
    html = b'<meta property="og:title" content="Haneul Fan Cafe | Example Forum">'
    page = parse_profile_page(html, "https://forum.example/user/haneul.cafe/")
    assert page.handle == "haneul.cafe" and page.display_name == "Haneul Fan Cafe"
    assert page.avatar_url is None
    assert handle_from_url("https://www.tiktok.com/@haneul") == "haneul"
    assert handle_from_url("https://example.com/a/b/c") is None


def test_hostile_page_is_read_without_error() -> None:
    page = parse_profile_page(
        b"<meta property=og:title content='" + b"<" * 100_000, "https://a.example/x"
    )
    assert page.handle == "x"
