"""Reading profile pages: Open Graph facts, handles from titles and paths, outbound links."""

from __future__ import annotations

from pathlib import Path

from idolguard.sources.connectors.base import Document
from idolguard.sources.connectors.profiles import ProfilesConnector
from idolguard.sources.profile_pages import (
    handle_from_url,
    parse_profile_page,
    parse_reddit_about,
    reddit_about_url,
)

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


ABOUT = b"""{"kind": "t2", "data": {"name": "haneul_real",
 "icon_img": "https://styles.redditmedia.com/a.png?width=256&amp;s=x",
 "subreddit": {"title": "Haneul  Official", "public_description": "DM me for tickets"}}}"""


def test_reddit_user_profiles_are_read_from_about_json() -> None:
    assert reddit_about_url("https://www.reddit.com/user/haneul_real/") == (
        "https://www.reddit.com/user/haneul_real/about.json?raw_json=1"
    )
    assert reddit_about_url("https://old.reddit.com/u/haneul_real") is not None
    assert reddit_about_url("https://www.reddit.com/r/kpop/") is None
    assert reddit_about_url("https://x.com/user/haneul") is None
    page = parse_reddit_about(ABOUT, "https://www.reddit.com/user/haneul_real")
    assert page is not None
    assert (page.handle, page.display_name, page.bio) == (
        "haneul_real",
        "Haneul Official",
        "DM me for tickets",
    )
    assert page.avatar_url == "https://styles.redditmedia.com/a.png?width=256&s=x"
    assert parse_reddit_about(b"not json", "u") is None
    assert parse_reddit_about(b'{"data": []}', "u") is None


class _Web:
    """A WebAccess answering from a dict of URL -> (content type, body)."""

    def __init__(self, pages: dict[str, tuple[str, bytes]]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    def get(
        self, url: str, *, max_bytes: int, accept: tuple[str, ...] = (), **_: object
    ) -> Document:
        self.asked.append(url)
        if url not in self.pages:
            raise OSError(f"404 {url}")
        kind, body = self.pages[url]
        return Document(url, url, 200, kind, body)


def test_profiles_source_yields_avatars_with_their_profiles(tmp_path: Path) -> None:
    listing = tmp_path / "accounts.txt"
    listing.write_text(
        "# suspects\nhttps://x.com/haneul_real\nhttps://www.reddit.com/user/haneul_real\n"
        "not a url\nhttps://gone.example/x\nhttps://x.com/haneul_real\n"
    )
    web = _Web(
        {
            "https://x.com/haneul_real": ("text/html", PAGE),
            "https://www.reddit.com/user/haneul_real/about.json?raw_json=1": (
                "application/json",
                ABOUT,
            ),
        }
    )
    poll = ProfilesConnector({"path": str(listing)}).poll({}, web)  # type: ignore[arg-type]
    assert [f.media_url for f in poll.found] == [
        "https://x.com/img/avatar.jpg",
        "https://styles.redditmedia.com/a.png?width=256&s=x",
    ]
    first = poll.found[0]
    assert first.key == "https://x.com/haneul_real#https://x.com/img/avatar.jpg"
    assert first.extra["profile"]["handle"] == "haneul_real"
    assert first.extra["profile"]["bio"] == "Official. Fan meeting tickets, DM me"
    assert poll.found[1].platform == "reddit"
    assert any("line 4: not an http(s) URL" in w for w in poll.warnings)
    assert any("gone.example" in w for w in poll.warnings)
