"""Web pages: media, captions, tiny-image and icon skipping, bounded pagination, hostile markup."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from idolguard.sources.connectors.base import Document, SourceError
from idolguard.sources.connectors.html_pages import PAGE_TYPES, HtmlPagesConnector
from idolguard.sources.fetch import FetchError
from tests.sources.connectors.fakeweb import FakeWeb

FIXTURES = Path(__file__).parent / "fixtures"
BOARD = "https://fans.example.com/board"
PAGE_1 = f"{BOARD}?page=1"
PAGE_2 = f"{BOARD}?page=2"
PAGE_3 = f"{BOARD}?page=3"
DESCRIPTION = "Fan photos of #aespa"
NEXT_ARROW = "\u203a"
LAST_ARROW = "\u00bb"
PREV_ARROW = "\u2039"


def _html(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def _site(pages: dict[str, bytes]) -> FakeWeb:
    return FakeWeb(pages=dict(pages), types={url: "text/html; charset=utf-8" for url in pages})


def _board() -> FakeWeb:
    """Three pages of a board; page 3's "next" leads to another site."""
    page_2 = _html(
        '<a href="/board?page=1">이전</a> <img src="/img/photo5.jpg" alt="five">'
        '<img src="/img/photo1.jpg" alt="repeated from page 1">'
        ' <a class="btn" href="/board?page=3"> 다음 </a>',
        head="<title>Fan board - page 2</title>",
    )
    page_3 = _html(
        '<img src="photo6.jpg" alt="six">'
        f'<a href="/board?page=2" rel="prev">{PREV_ARROW}</a>'
        f'<a href="https://mirror.example.net/board?page=4">{NEXT_ARROW}</a>',
        head="<title>Fan board - page 3</title>",
    )
    return _site(
        {
            PAGE_1: (FIXTURES / "board_page1.html").read_bytes(),
            PAGE_2: page_2,
            PAGE_3: page_3,
            "https://mirror.example.net/board?page=4": _html('<img src="/x.jpg">'),
        }
    )


def _connector(url: str = PAGE_1, **options: object) -> HtmlPagesConnector:
    return HtmlPagesConnector({"url": url, **options})


# --------------------------------------------------------------------------- one page


def test_page_media_in_document_order_with_captions() -> None:
    result = _connector(max_pages=0).poll({}, _board())
    assert [(f.media_url, f.caption, dict(f.extra)["found_in"]) for f in result.found] == [
        ("https://fans.example.com/og/cover.jpg", "Cover photo", "og:image"),
        ("https://fans.example.com/img/photo1.jpg", "Karina at the airport", "img"),
        ("https://fans.example.com/img/lazy2.jpg", "lazy", "img"),
        ("https://fans.example.com/img/p3-large.jpg", DESCRIPTION, "img"),
        ("https://fans.example.com/v/clip.mp4", "fancam", "video"),
        ("https://cdn.other.net/v/c2.webm", DESCRIPTION, "video"),
        ("https://fans.example.com/img/pic.jpg", "picture", "img"),
        ("https://fans.example.com/files/full4.png", "thumb alt", "link"),
        ("https://fans.example.com/img/thumb4.jpg", "thumb alt", "img"),
        ("https://cdn.other.net/external.jpg", "external", "img"),
    ]
    assert result.cursor == {}
    assert result.warnings == []


def test_page_metadata() -> None:
    entry = _connector(max_pages=0).poll({}, _board()).found[1]
    assert entry.key == "https://fans.example.com/img/photo1.jpg"
    assert entry.page_url == PAGE_1
    assert entry.platform == "example.com"
    assert entry.title == "Fan board - page 1"
    assert entry.uploader == "board-admin"
    assert entry.posted_at == "2026-11-25T10:00:00Z"
    assert entry.post_id is None
    assert entry.capture is False
    cover = _connector(max_pages=0).poll({}, _board()).found[3]
    assert cover.hashtags == ("aespa",)


def test_tiny_images_icons_and_logos_are_skipped() -> None:
    page = _html(
        '<img src="/a/one.jpg" width="63" height="400">'
        '<img src="/a/two.jpg" width="400" height="10px">'
        '<img src="/a/three.jpg" width="64" height="64">'
        '<img src="/a/four.jpg" width="50%">'
        '<img src="/static/favicon-32.png"><img src="/img/site_logo.webp">'
        '<img src="/img/ui-sprites.png"><img src="/icons/star.gif"><img src="/img/badge.svg">'
        '<img src="/img/catalogue.jpg">'
        '<a href="/downloads/app-icon.png">icon file</a>'
    )
    found = _connector().poll({}, _site({PAGE_1: page})).found
    assert [f.media_url for f in found] == [
        "https://fans.example.com/a/three.jpg",
        "https://fans.example.com/a/four.jpg",
        "https://fans.example.com/img/catalogue.jpg",
    ]


def test_same_host_media_keeps_the_sites_own_media() -> None:
    page = _html(
        '<img src="https://img.fans.example.com/1.jpg"><img src="/2.jpg">'
        '<img src="https://cdn.other.net/3.jpg"><img src="https://example.com.evil.net/4.jpg">'
    )
    web = _site({PAGE_1: page})
    found = _connector(same_host_media="yes").poll({}, web).found
    assert [f.media_url for f in found] == [
        "https://img.fans.example.com/1.jpg",
        "https://fans.example.com/2.jpg",
    ]
    assert len(_connector(same_host_media=False).poll({}, web).found) == 4


def test_base_href_and_relative_urls() -> None:
    page = _html(
        '<img src="p/1.jpg"><img src="//cdn.example.org/2.jpg"><img src="../3.jpg">',
        head='<base href="https://fans.example.com/media/">',
    )
    found = (
        _connector(url="https://fans.example.com/a/b/page.html")
        .poll({}, _site({"https://fans.example.com/a/b/page.html": page}))
        .found
    )
    assert [f.media_url for f in found] == [
        "https://fans.example.com/media/p/1.jpg",
        "https://cdn.example.org/2.jpg",
        "https://fans.example.com/3.jpg",
    ]
    assert found[0].page_url == "https://fans.example.com/a/b/page.html"


def test_declared_charset_is_honoured() -> None:
    page = '<meta charset="euc-kr"><title>게시판</title><img src="/a.jpg" alt="카리나 사진">'
    web = FakeWeb(pages={PAGE_1: page.encode("euc-kr")}, types={PAGE_1: "text/html"})
    found = _connector().poll({}, web).found
    assert (found[0].title, found[0].caption) == ("게시판", "카리나 사진")


def test_og_video_file_is_media_but_a_player_page_is_not() -> None:
    file_page = _html("", head='<meta property="og:video" content="https://v.example.com/c.mp4">')
    typed = _html(
        "",
        head='<meta property="og:video:url" content="https://v.example.com/stream?id=1">'
        '<meta property="og:video:type" content="video/mp4">',
    )
    player = _html("", head='<meta property="og:video" content="https://v.example.com/embed/1">')
    web = _site({PAGE_1: file_page, PAGE_2: typed, PAGE_3: player})
    assert [f.media_url for f in _connector(PAGE_1).poll({}, web).found] == [
        "https://v.example.com/c.mp4"
    ]
    assert [f.media_url for f in _connector(PAGE_2).poll({}, web).found] == [
        "https://v.example.com/stream?id=1"
    ]
    assert _connector(PAGE_3).poll({}, web).found == []


# --------------------------------------------------------------------------- pagination


def test_pagination_follows_next_links_on_the_same_host() -> None:
    web = _board()
    result = _connector().poll({}, web)  # max_pages 3, but page 3 points off-host
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2, PAGE_3]
    tail = [(f.media_url, f.page_url, f.title) for f in result.found[-2:]]
    assert tail == [
        ("https://fans.example.com/img/photo5.jpg", PAGE_2, "Fan board - page 2"),
        ("https://fans.example.com/photo6.jpg", PAGE_3, "Fan board - page 3"),
    ]
    # photo1 was on page 1 already: listed once, with page 1's caption.
    photo1 = [f for f in result.found if f.media_url.endswith("/photo1.jpg")]
    assert [(f.page_url, f.caption) for f in photo1] == [(PAGE_1, "Karina at the airport")]
    assert len(result.found) == 12


def test_max_pages_bounds_the_documents_fetched() -> None:
    web = _board()
    _connector(max_pages=1).poll({}, web)
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2]
    web = _board()
    _connector(max_pages="0").poll({}, web)
    assert [asked[0] for asked in web.asked] == [PAGE_1]


def test_a_long_chain_stops_after_max_pages_plus_one() -> None:
    pages = {
        f"{BOARD}?p={i}": _html(f'<img src="/{i}.jpg"><a rel="next" href="?p={i + 1}">more</a>')
        for i in range(10)
    }
    web = _site(pages)
    found = _connector(url=f"{BOARD}?p=0", max_pages=3).poll({}, web).found
    assert len(web.asked) == 4
    assert [f.media_url for f in found] == [f"https://fans.example.com/{i}.jpg" for i in range(4)]


def test_pagination_loops_end_the_walk() -> None:
    web = _site(
        {
            PAGE_1: _html('<img src="/1.jpg"><a href="?page=2">Next</a>'),
            PAGE_2: _html('<img src="/2.jpg"><a href="?page=1">Next page</a>'),
        }
    )
    result = _connector(max_pages=10).poll({}, web)
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2]
    assert len(result.found) == 2
    itself = _site({PAGE_1: _html('<link rel="next" href="/board?page=1#top">')})
    _connector(max_pages=10).poll({}, itself)
    assert len(itself.asked) == 1


def test_a_page_repeating_under_another_address_ends_the_walk() -> None:
    last = '<img src="/9.jpg"><img src="/10.jpg"><a href="?page={}">next</a>'
    web = _site(
        {
            PAGE_1: _html('<img src="/1.jpg"><a href="?page=2">next</a>'),
            PAGE_2: _html(last.format(3)),
            PAGE_3: _html(last.format(4)),  # past the end: the last page again
            f"{BOARD}?page=4": _html(last.format(5)),
        }
    )
    result = _connector(max_pages=10).poll({}, web)
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2, PAGE_3]
    assert [f.media_url for f in result.found] == [
        "https://fans.example.com/1.jpg",
        "https://fans.example.com/9.jpg",
        "https://fans.example.com/10.jpg",
    ]


@dataclass
class _Redirecting(FakeWeb):
    """A FakeWeb whose ``redirects[url]`` is served as that other URL's page."""

    redirects: dict[str, str] = field(default_factory=dict)

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document:
        target = self.redirects.get(url, url)
        document = super().get(target, max_bytes=max_bytes, accept=accept)
        self.asked[-1] = (url, etag, last_modified)
        return Document(url, target, document.status, document.content_type, document.body)


def test_a_redirect_back_to_a_read_page_ends_the_walk() -> None:
    web = _Redirecting(
        pages={PAGE_1: _html('<img src="/1.jpg"><a rel="next" href="?page=2">2</a>')},
        types={PAGE_1: "text/html"},
        redirects={PAGE_2: PAGE_1},
    )
    result = _connector(max_pages=5).poll({}, web)
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2]
    assert [f.media_url for f in result.found] == ["https://fans.example.com/1.jpg"]


def test_next_link_preference() -> None:
    page = _html(
        f'<a href="?page=9">{LAST_ARROW}</a> <a href="?page=2">{NEXT_ARROW}</a>'
        '<a href="?page=5" aria-label="Next page"><svg></svg></a>'
    )
    web = _site({PAGE_1: page, PAGE_2: _html(""), f"{BOARD}?page=5": _html("")})
    _connector(max_pages=1).poll({}, web)
    assert web.asked[1][0] == f"{BOARD}?page=5"  # words beat arrows
    web = _site(
        {PAGE_1: _html(f'<a href="?page=9">{LAST_ARROW}</a> <a href="?page=2">{NEXT_ARROW}</a>')}
    )
    web.pages[PAGE_2] = _html("")
    _connector(max_pages=1).poll({}, web)
    assert web.asked[1][0] == PAGE_2  # the single arrow beats the double one (maybe "last")
    web = _site({PAGE_1: _html('<a href="javascript:next()">next</a>')})
    _connector(max_pages=1).poll({}, web)
    assert len(web.asked) == 1


def test_later_page_failure_keeps_what_was_found() -> None:
    web = _site({PAGE_1: _html('<img src="/1.jpg"><a href="?page=2">다음</a>')})
    result = _connector().poll({}, web)
    assert [f.media_url for f in result.found] == ["https://fans.example.com/1.jpg"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"stopped following pages at {PAGE_2}: http_error")


def test_first_page_failure_is_the_sources_failure() -> None:
    with pytest.raises(FetchError):
        _connector().poll({}, FakeWeb())


def test_page_types_and_options() -> None:
    assert PAGE_TYPES == ("text/html", "application/xhtml+xml")
    connector = _connector()
    assert (connector.max_pages, connector.same_host_media) == (3, False)
    with pytest.raises(SourceError, match="must be a whole number"):
        _connector(max_pages="many")
    with pytest.raises(SourceError, match="absolute http"):
        _connector(url="javascript:alert(1)")


# --------------------------------------------------------------------------- hostile input


def test_a_non_html_document_is_refused() -> None:
    web = FakeWeb(pages={PAGE_1: b'{"a": 1}'}, types={PAGE_1: "application/json"})
    with pytest.raises(SourceError, match="is application/json, not a web page"):
        _connector().poll({}, web)


def test_broken_markup_gives_fewer_entries_not_errors() -> None:
    page = (
        b"<html><body><img src='/ok.jpg'><img src=\"/unterminated.jpg <div <p>>>"
        b"<img src='javascript:alert(1)'><img src='data:image/png;base64,AAAA'>"
        b"<img src='http://[::1'><img src='https://user:pw@example.com/x.jpg'>"
        b"<img srcset=' , ,, '><video><source></video><a href>x</a></b></i></table>"
        b"\xff\xfe\x00garbage<![CDATA[ <img src='/cdata.jpg'> <!-- <img src='/c.jpg'>"
    )
    found = _connector().poll({}, _site({PAGE_1: page})).found
    assert [f.media_url for f in found] == ["https://fans.example.com/ok.jpg"]


def test_hostile_markup_is_parsed_in_bounded_time() -> None:
    page = b"<img src='/first.jpg'>" + b"<?" * 400_000 + b"<img src='/late.jpg'>"
    tags = b"<img src='/a.jpg'>" + b"<b>" * 300_000 + b"<img src='/never.jpg'>"
    web = _site({PAGE_1: page, PAGE_2: tags})
    started = time.monotonic()
    first = _connector(PAGE_1).poll({}, web).found
    second = _connector(PAGE_2).poll({}, web).found
    assert time.monotonic() - started < 20
    assert [f.media_url for f in first][:1] == ["https://fans.example.com/first.jpg"]
    assert [f.media_url for f in second] == ["https://fans.example.com/a.jpg"]


def test_entries_per_poll_are_capped() -> None:
    page_1 = _html(
        "".join(f'<img src="/a/{i}.jpg">' for i in range(400)) + '<a href="?page=2">next</a>'
    )
    page_2 = _html(
        "".join(f'<img src="/b/{i}.jpg">' for i in range(400)) + '<a href="?page=3">next</a>'
    )
    web = _site({PAGE_1: page_1, PAGE_2: page_2, PAGE_3: _html("")})
    result = _connector().poll({}, web)
    assert len(result.found) == 500
    assert result.found[-1].media_url == "https://fans.example.com/b/99.jpg"
    assert [asked[0] for asked in web.asked] == [PAGE_1, PAGE_2]
    assert result.warnings == [
        f"more media than one poll takes (500); the rest of {PAGE_2} and the pages after it "
        "were skipped"
    ]


def test_huge_attribute_values_and_captions_are_clipped() -> None:
    page = _html(f'<img src="/big.jpg" alt="{"가" * 20_000}">')
    found = _connector().poll({}, _site({PAGE_1: page})).found
    assert found[0].caption is not None
    assert len(found[0].caption) == 5000
