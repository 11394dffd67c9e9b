"""RSS 2.0, RSS 1.0 and Atom feeds: media, metadata, conditional requests and hostile XML."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from idolguard.sources.connectors.base import Document, Found, SourceError
from idolguard.sources.connectors.common import absolute_http_url, clip, hashtags, iso_utc
from idolguard.sources.connectors.feed import FEED_TYPES, FeedConnector
from idolguard.sources.fetch import FetchError
from tests.sources.connectors.fakeweb import FakeWeb

FIXTURES = Path(__file__).parent / "fixtures"
RSS_URL = "https://board.example.co.kr/rss"
ATOM_URL = "https://blog.example.org/feed.atom"
RDF_URL = "https://diary.example.jp/index.rdf"


def _web(url: str, body: bytes, content_type: str = "application/rss+xml") -> FakeWeb:
    return FakeWeb(pages={url: body}, types={url: content_type})


def _poll(url: str, body: bytes, cursor: dict[str, str] | None = None) -> tuple[list[Found], dict]:
    result = FeedConnector({"url": url}).poll(cursor or {}, _web(url, body))
    return result.found, result.cursor


def _rss(items: str, extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0" {extra_ns}><channel><title>t</title>'
        f"{items}</channel></rss>"
    ).encode()


# --------------------------------------------------------------------------- RSS 2.0


def test_rss2_item_metadata_and_media_in_order() -> None:
    found, _ = _poll(RSS_URL, (FIXTURES / "rss2_board.xml").read_bytes())
    first = [f for f in found if f.post_id == "post-1001"]
    assert [f.media_url for f in first] == [
        "https://cdn.example.net/1001/full.jpg",  # enclosure (the mp3 is not media)
        "https://board.example.co.kr/files/1001/a.jpg",  # description <img>, pixel skipped
        "https://board.example.co.kr/files/1001/b-1080.jpg",  # largest srcset candidate
        "https://cdn.example.net/v/1001.mp4",  # content:encoded <video>; js and emoji skipped
    ]
    entry = first[0]
    assert entry.key == "post-1001 https://cdn.example.net/1001/full.jpg"
    assert entry.page_url == "https://board.example.co.kr/gallery/view/1001"
    assert entry.platform == "example.co.kr"
    assert entry.uploader == "fan_uploader"
    assert entry.title == "카리나 공항 직캠 #에스파 #aespa"
    assert entry.caption == "오늘 공항 직캠 #윈터 같이"
    assert entry.hashtags == ("에스파", "aespa", "윈터", "Karina")
    assert entry.posted_at == "2026-11-25T10:00:00Z"
    assert entry.capture is False
    assert dict(entry.extra) == {"found_in": "enclosure"}
    assert [dict(f.extra)["found_in"] for f in first] == ["enclosure", "html", "html", "html"]


def test_rss2_media_rss_content_is_preferred_over_thumbnails() -> None:
    found, _ = _poll(RSS_URL, (FIXTURES / "rss2_board.xml").read_bytes())
    clip = [f for f in found if f.title == "Stage clip"]
    assert [f.media_url for f in clip] == ["https://cdn.example.net/1002/clip.mp4"]
    assert clip[0].post_id == "https://board.example.co.kr/gallery/view/1002"
    assert clip[0].uploader == "Moderator"  # RSS "email (Name)": the name
    assert clip[0].posted_at == "sometime last week"  # unparseable: kept as written
    assert dict(clip[0].extra) == {"found_in": "media:content"}


def test_rss2_thumbnail_used_when_content_is_not_media() -> None:
    found, _ = _poll(RSS_URL, (FIXTURES / "rss2_board.xml").read_bytes())
    player = [f for f in found if f.post_id == "post-1003"]
    assert [(f.media_url, dict(f.extra)["found_in"]) for f in player] == [
        ("https://i.ytimg.com/vi/abc123/hqdefault.jpg", "media:thumbnail")
    ]


def test_rss2_untyped_enclosures_need_a_media_extension() -> None:
    found, _ = _poll(RSS_URL, (FIXTURES / "rss2_board.xml").read_bytes())
    untyped = [f.media_url for f in found if f.post_id == "post-1004"]
    assert untyped == [
        "https://cdn.example.net/1004/photo.webp",
        "https://cdn.example.net/1004/movie.MP4",
    ]
    assert not [f for f in found if f.post_id == "post-1005"]  # no media, no entries
    assert len(found) == 8


@dataclass
class _Redirected:
    """Answers every URL with ``body`` as if redirected to ``final_url``."""

    final_url: str
    body: bytes
    asked: list[str] = field(default_factory=list)

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document:
        self.asked.append(url)
        return Document(url, self.final_url, 200, "application/rss+xml", self.body)


def test_relative_links_resolve_against_the_final_feed_url() -> None:
    body = _rss("<item><guid>g</guid><link>../p/1</link><enclosure url='img/1.png'/></item>")
    web = _Redirected("https://moved.example.com/feeds/rss", body)
    found = FeedConnector({"url": "https://old.example.com/rss"}).poll({}, web).found
    assert web.asked == ["https://old.example.com/rss"]
    assert [(f.page_url, f.media_url, f.platform) for f in found] == [
        (
            "https://moved.example.com/p/1",
            "https://moved.example.com/feeds/img/1.png",
            "example.com",
        )
    ]


def test_keys_are_stable_when_an_item_gains_media() -> None:
    one = _rss("<item><guid>g1</guid><enclosure url='https://a.example/1.jpg'/></item>")
    two = _rss(
        "<item><guid>g1</guid><enclosure url='https://a.example/0.jpg'/>"
        "<enclosure url='https://a.example/1.jpg'/></item>"
    )
    before, _ = _poll(RSS_URL, one)
    after, _ = _poll(RSS_URL, two)
    assert before[0].key == "g1 https://a.example/1.jpg"
    assert [f.key for f in after] == ["g1 https://a.example/0.jpg", "g1 https://a.example/1.jpg"]


def test_item_without_guid_or_link_is_keyed_by_media_url() -> None:
    found, _ = _poll(RSS_URL, _rss("<item><enclosure url='https://a.example/x.gif'/></item>"))
    assert found[0].key == "https://a.example/x.gif"
    assert found[0].page_url == RSS_URL
    assert found[0].post_id is None


def test_long_captions_are_clipped() -> None:
    text = "가" * 9000
    found, _ = _poll(
        RSS_URL,
        _rss(
            f"<item><guid>g</guid><description>{text}</description>"
            "<enclosure url='https://a.example/x.jpg'/></item>"
        ),
    )
    assert found[0].caption is not None
    assert len(found[0].caption) == 5000
    assert found[0].caption.endswith("…")


# --------------------------------------------------------------------------- Atom and RDF


def test_atom_entries() -> None:
    found, _ = _poll(ATOM_URL, (FIXTURES / "atom_blog.xml").read_bytes())
    assert [(f.post_id, f.media_url) for f in found] == [
        ("tag:blog.example.org,2026:entry-7", "https://blog.example.org/media/7.mp4"),
        ("tag:blog.example.org,2026:entry-7", "https://blog.example.org/media/7-still.png"),
        ("entry-8", "https://img.example.org/8.jpg"),
    ]
    first, _, second = found
    assert first.title == "Jisoo edit"
    assert first.uploader == "Blogger Kim"
    assert first.caption == "Plain summary #jisoo"
    assert first.hashtags == ("jisoo", "blackpink")
    assert first.posted_at == "2026-11-25T10:00:00Z"  # published wins over updated
    assert first.page_url == "https://blog.example.org/posts/7"
    assert first.platform == "example.org"
    assert second.page_url == "https://blog.example.org/posts/8"
    assert second.caption == "Look & see"
    assert second.posted_at == "2026-11-24T10:00:00Z"
    assert second.uploader is None


def test_rss1_rdf_items() -> None:
    found, _ = _poll(RDF_URL, (FIXTURES / "rdf_diary.xml").read_bytes())
    assert len(found) == 1
    entry = found[0]
    assert entry.media_url == "https://diary.example.jp/img/55.jpg"
    assert entry.post_id == "https://diary.example.jp/entry/55"
    assert entry.page_url == "https://diary.example.jp/entry/55"
    assert entry.uploader == "tanaka"
    assert entry.posted_at == "2026-11-25T10:00:00Z"
    assert entry.caption == "今日の写真 #트와이스"
    assert entry.hashtags == ("트와이스",)


# --------------------------------------------------------------------------- requests and cursor


def test_conditional_request_and_not_modified() -> None:
    body = (FIXTURES / "rss2_board.xml").read_bytes()
    web = _web(RSS_URL, body)
    web.etags[RSS_URL] = '"v1"'
    connector = FeedConnector({"url": RSS_URL})
    first = connector.poll({}, web)
    assert len(first.found) == 8
    assert first.cursor == {"etag": '"v1"'}
    second = connector.poll(first.cursor, web)
    assert second.found == []
    assert second.cursor == {"etag": '"v1"'}
    assert web.asked == [(RSS_URL, None, None), (RSS_URL, '"v1"', None)]


def test_last_modified_is_sent_back() -> None:
    web = _web(RSS_URL, _rss(""))
    result = FeedConnector({"url": RSS_URL}).poll(
        {"last_modified": "Wed, 25 Nov 2026 10:00:00 GMT", "etag": 5}, web
    )
    assert web.asked == [(RSS_URL, None, "Wed, 25 Nov 2026 10:00:00 GMT")]
    assert result.cursor == {}  # the server sent no validators this time


@dataclass
class _Recording(FakeWeb):
    """A FakeWeb that also records the size cap and the types each request asked for."""

    calls: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: tuple[str, ...] = (),
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Document:
        self.calls.append((max_bytes, accept))
        return super().get(
            url, max_bytes=max_bytes, accept=accept, etag=etag, last_modified=last_modified
        )


def test_feed_types_and_size_are_asked_for() -> None:
    web = _Recording(pages={RSS_URL: _rss("")})
    FeedConnector({"url": RSS_URL}).poll({}, web)
    assert web.calls == [(5_000_000, FEED_TYPES)]
    assert "text/html" not in FEED_TYPES


def test_fetch_errors_reach_the_monitor() -> None:
    with pytest.raises(FetchError):
        FeedConnector({"url": RSS_URL}).poll({}, FakeWeb())


def test_url_option_is_checked() -> None:
    with pytest.raises(SourceError, match="need url"):
        FeedConnector({})
    with pytest.raises(SourceError, match="absolute http"):
        FeedConnector({"url": "file:///etc/passwd"})
    with pytest.raises(SourceError, match="take no option"):
        FeedConnector({"url": RSS_URL, "max_pages": 2})


# --------------------------------------------------------------------------- hostile input


def test_html_page_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>Board</title></head><body><p>hi<br></body></html>"
    with pytest.raises(SourceError, match="is a web page, not an RSS or Atom feed"):
        _poll(RSS_URL, page)


def test_well_formed_xhtml_is_not_a_feed_either() -> None:
    with pytest.raises(SourceError, match="is a web page"):
        _poll(RSS_URL, b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')


def test_other_xml_is_not_a_feed() -> None:
    with pytest.raises(
        SourceError, match=r"not an RSS or Atom feed \(its document element is <svg>"
    ):
        _poll(RSS_URL, b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')


def test_garbage_and_empty_documents() -> None:
    with pytest.raises(SourceError, match="not well-formed XML"):
        _poll(RSS_URL, b"\x00\xff{not xml at all")
    with pytest.raises(SourceError, match="empty document"):
        _poll(RSS_URL, b"  \n")


def test_billion_laughs_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title></item></channel></rss>"""
    started = time.monotonic()
    with pytest.raises(SourceError, match="declares XML entities"):
        _poll(RSS_URL, bomb)
    assert time.monotonic() - started < 2


def test_external_entities_are_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&xxe;</title>"
        b"<enclosure url='https://a.example/x.jpg'/></item></channel></rss>"
    )
    with pytest.raises(SourceError, match="refused"):
        _poll(RSS_URL, xxe)


def test_truncated_feed_keeps_the_items_before_the_break_and_the_old_cursor() -> None:
    body = _rss(
        "<item><guid>a</guid><enclosure url='https://a.example/1.jpg'/></item>"
        "<item><guid>b</guid><enclosure url='https://a.example/2.jpg'/></item>"
    )
    cut = body[: body.index(b"<item><guid>b") + 30]
    web = _web(RSS_URL, cut)
    web.etags[RSS_URL] = '"new"'
    result = FeedConnector({"url": RSS_URL}).poll({"etag": '"old"'}, web)
    assert [f.media_url for f in result.found] == ["https://a.example/1.jpg"]
    assert result.cursor == {"etag": '"old"'}  # read it all again next time
    assert len(result.warnings) == 1
    assert "not well-formed XML after 1 item(s)" in result.warnings[0]


def test_broken_item_parts_only_lose_those_parts() -> None:
    body = _rss(
        "<item><guid>a</guid><link>javascript:alert(1)</link><pubDate>99 Foo 2026</pubDate>"
        "<enclosure/><enclosure url='data:image/png;base64,AAAA' type='image/png'/>"
        "<enclosure url='https://a.example/ok.jpg' type='image/jpeg'/>"
        "<description>&lt;img src=&quot;https://a.example/broken.jpg&lt;&lt;&lt;</description>"
        "</item>"
    )
    found, _ = _poll(RSS_URL, body)
    assert [f.media_url for f in found] == ["https://a.example/ok.jpg"]
    assert found[0].page_url == RSS_URL
    assert found[0].posted_at == "99 Foo 2026"


def test_entries_per_poll_are_capped() -> None:
    items = "".join(
        f"<item><guid>g{i}</guid><enclosure url='https://a.example/{i}.jpg'/></item>"
        for i in range(600)
    )
    web = _web(RSS_URL, _rss(items))
    web.etags[RSS_URL] = '"v2"'
    result = FeedConnector({"url": RSS_URL}).poll({}, web)
    assert len(result.found) == 500
    assert result.found[-1].media_url == "https://a.example/499.jpg"
    assert result.warnings == [
        "the feed lists more media than one poll takes (500); 100 were skipped"
    ]
    assert result.cursor == {"etag": '"v2"'}


def test_item_html_is_read_up_to_a_bound() -> None:
    def item(guid: str, divs: int) -> str:
        nested = "&lt;div&gt;" * divs + f"&lt;img src='https://a.example/{guid}.jpg'&gt;"
        return f"<item><guid>{guid}</guid><description>{nested}</description></item>"

    # 150,000 characters of open <div>s are read through; 300,000 are cut at 200,000.
    body = _rss(item("within", 30_000) + item("beyond", 60_000))
    started = time.monotonic()
    found, _ = _poll(RSS_URL, body)
    assert time.monotonic() - started < 10
    assert [f.media_url for f in found] == ["https://a.example/within.jpg"]


# --------------------------------------------------------------------------- shared helpers
# (common.py is shared by every connector; feeds exercise its date formats most.)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 25 Nov 2026 19:00:00 +0900", "2026-11-25T10:00:00Z"),
        ("Wed, 25 Nov 2026 10:00:00 GMT", "2026-11-25T10:00:00Z"),
        ("25 Nov 2026 19:00 KST", "2026-11-25T10:00:00Z"),
        ("Wed, 25 Nov 2026 10:00:00 -0000", "2026-11-25T10:00:00Z"),
        ("Wed, 25 Nov 2026 19:00:00", None),  # no zone: ambiguous
        ("Wed, 25 Nov 2026 19:00:00 XYZ", None),  # unknown zone: not guessed
        ("2026-11-25T19:00:00+09:00", "2026-11-25T10:00:00Z"),
        ("2026-11-25T10:00:00.123Z", "2026-11-25T10:00:00Z"),
        ("2026-11-25T10:00:00", None),
        (1764064800, "2025-11-25T10:00:00Z"),
        (1764064800.9, "2025-11-25T10:00:00Z"),
        ("1764064800", "2025-11-25T10:00:00Z"),
        (1764064800000, "2025-11-25T10:00:00Z"),  # milliseconds
        ("2026", None),
        (True, None),
        (float("nan"), None),
        (10**400, None),
        ("x" * 10_000, None),
    ],
)
def test_iso_utc(value: object, expected: str | None) -> None:
    assert iso_utc(value) == expected


def test_iso_utc_can_assume_utc_for_naive_times() -> None:
    assert iso_utc("2026-11-25T10:00:00", assume_utc=True) == "2026-11-25T10:00:00Z"


def test_hashtags_clip_and_urls() -> None:
    text = "직캠 #에스파 #aespa_Karina C# page#x &#39; #1 #AESPA_karina \uff03윈터 #2024fan"
    assert hashtags(text, None, "#에스파") == ("에스파", "aespa_Karina", "윈터", "2024fan")
    assert clip("  a\x00b\n c  ") == "ab\n c"
    assert clip("   ") is None
    assert clip("abcdef", 4) == "abc…"
    assert absolute_http_url("https://a.example/x/y", "../z.jpg#f") == "https://a.example/z.jpg"
    assert (
        absolute_http_url("https://a.example/", "//cdn.example/p.png")
        == "https://cdn.example/p.png"
    )
    for bad in (
        "javascript:alert(1)",
        "data:image/png;base64,AA",
        "mailto:a@b",
        "http://[::1",
        "https://u:p@a.example/",
        "http://a.example:99999/",
        "",
        None,
        5,
    ):
        assert absolute_http_url("https://a.example/", bad) is None


def test_items_without_media_are_captured_only_when_asked() -> None:
    body = _rss(
        "<item><title>new post</title><link>https://forum.example/t/9</link>"
        "<guid>t9</guid><description>look at this</description></item>"
    )
    url = "https://forum.example/feed.xml"
    assert _poll(url, body)[0] == []
    poll = FeedConnector({"url": url, "capture_links": "true"}).poll({}, _web(url, body))
    [found] = poll.found
    assert (found.media_url, found.capture, found.post_id) == (
        "https://forum.example/t/9",
        True,
        "t9",
    )
    assert found.caption == "look at this"
