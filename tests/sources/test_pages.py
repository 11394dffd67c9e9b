"""Reading pages: charset, title, uploader, dates and media URLs, from hostile markup."""

from __future__ import annotations

import time

import pytest

from idolguard.sources.pages import PageInfo, parse_page

BASE = "https://fans.example.com/board/view?id=7"


def test_parse_page_orders_and_filters_media() -> None:
    html = b"""<html><head>
      <base href="https://cdn.example.net/assets/">
      <meta property="og:image" content="poster.jpg">
      <meta property="og:image:secure_url" content="https://cdn.example.net/assets/poster.jpg">
      <meta name="twitter:image" content="//img.example.org/card.png#frag">
      <meta property="og:video" content="/v/clip.mp4">
      <meta name="twitter:player:stream" content="stream.mp4">
    </head><body>
      <video src="inline.webm"><source src="alt.mp4"></video>
      <picture><source srcset="x.webp"><img src="pic.jpg"></picture>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <img src="data:image/gif;base64,AAAA" data-src="lazy.jpg">
      <img src="track.gif" width="1" height="1">
      <img src="spacer.gif" height="2px">
      <img src="javascript:alert(1)">
      <img src="mailto:a@b.c">
      <img src="poster.jpg">
      <img src="  wide.png  " width="640">
    </body></html>"""
    info = parse_page(html, BASE)
    cdn = "https://cdn.example.net"
    assert info.media_urls == [
        f"{cdn}/v/clip.mp4",
        f"{cdn}/assets/stream.mp4",
        f"{cdn}/assets/inline.webm",
        f"{cdn}/assets/alt.mp4",
        f"{cdn}/assets/poster.jpg",
        "https://img.example.org/card.png",
        f"{cdn}/assets/pic.jpg",
        f"{cdn}/assets/lazy.jpg",
        f"{cdn}/assets/wide.png",
    ]


def test_parse_page_uploader_fallbacks() -> None:
    twitter = b'<meta name="twitter:creator" content="@fan_account">'
    assert parse_page(twitter, BASE).uploader == "@fan_account"
    itemprop = b'<div><span itemprop="author" itemscope><span itemprop="name"> Lee </span></span>'
    assert parse_page(itemprop, BASE).uploader == "Lee"
    jsonld = b"""<script type="application/ld+json">
      {"@context": "https://schema.org", "@type": "VideoObject",
       "author": [{"@type": "Person", "name": "Channel Park"}], "uploadDate": "2025-02-03"}
    </script>"""
    info = parse_page(jsonld, BASE)
    assert (info.uploader, info.published_at) == ("Channel Park", "2025-02-03")
    graph = b'<script type="application/ld+json">{"@graph": [{"@type": "WebPage"},'
    graph += b' {"@type": "Article", "author": "Choi"}]}</script>'
    assert parse_page(graph, BASE).uploader == "Choi"
    first = b'<meta name="author" content="A"><meta property="article:author" content="B">'
    assert parse_page(first, BASE).uploader == "A"


def test_parse_page_title_and_canonical_fallbacks() -> None:
    html = b"""<svg><title>icon</title></svg>
      <meta property="og:title" content="OG title">
      <meta property="og:url" content="/canon">"""
    info = parse_page(html, BASE)
    assert info.title == "OG title"
    assert info.canonical_url == "https://fans.example.com/canon"
    assert parse_page(b"<p>nothing</p>", BASE) == PageInfo(None, None, None, None, None, [])


def test_parse_page_charsets() -> None:
    title = "아이돌 직캠"
    euc = f'<meta charset="euc-kr"><title>{title}</title>'.encode("cp949")
    assert parse_page(euc, BASE).title == title
    header_only = f"<title>{title}</title>".encode("cp949")
    assert parse_page(header_only, BASE, content_type="text/html; charset=EUC-KR").title == title
    http_equiv = (
        '<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">'
        f"<title>{title}</title>"
    ).encode("cp949")
    assert parse_page(http_equiv, BASE).title == title
    bom = "\ufeff<title>제목</title>".encode("utf-16-le")
    assert parse_page(bom, BASE).title == "제목"
    assert parse_page(f"<title>{title}</title>".encode(), BASE).title == title


@pytest.mark.parametrize(
    "html",
    [
        b"<html><head><title>unclosed <meta property='og:image' content='/a.png'",
        b"<div>" * 200_000 + b"<title>deep</title>",  # 1 MB of nested divs
        b"<title>\xff\xfe\x80\x81 bad bytes \xc3</title><img src='/\xff.png'>",
        b'<meta charset="x-bogus-charset"><title>\x80\x81</title>',
        b'<meta charset="rot13"><title>t</title>',
        b'<meta charset="utf-7"><title>+ADw-script+AD4-</title>',
        b'<meta charset="zlib"><meta charset="base64"><title>t</title>',
        b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script>",
        b'<script type="application/ld+json">{"author": {"name": 5}}</script>',
        b"<![CDATA[ <!-- <? <!x </ <a b='",
        b'<img src="http://[::1/x.png"><img width="99999999999999999999" src="/a.png">',
        b"\x00" * 1000 + b"<title>\x00nul\x00</title>",
        b"",
    ],
)
def test_hostile_html_never_raises(html: bytes) -> None:
    info = parse_page(html, BASE)
    assert isinstance(info, PageInfo)
    assert all(u.startswith(("http://", "https://")) for u in info.media_urls)


def test_nested_divs_do_not_hide_the_head() -> None:
    html = b"<title>top</title><meta property='og:image' content='/a.png'>" + b"<div>" * 200_000
    info = parse_page(html, BASE)
    assert (info.title, info.media_urls) == ("top", ["https://fans.example.com/a.png"])


def test_pathological_markup_is_bounded_in_time() -> None:
    # html.parser handles an unfinished "<?" at the end in quadratic time.
    started = time.monotonic()
    parse_page(b"<title>x</title>" + b"<?" * 500_000, BASE)
    parse_page(b"<img " + b"a=b " * 250_000, BASE)
    assert time.monotonic() - started < 5


def test_only_max_bytes_are_parsed() -> None:
    html = (
        b"<title>early</title>" + b" " * 10_000 + b'<meta property="og:image" content="/late.png">'
    )
    info = parse_page(html, BASE, max_bytes=5_000)
    assert info.title == "early"
    assert info.media_urls == []
    assert parse_page(html, BASE).media_urls == ["https://fans.example.com/late.png"]
