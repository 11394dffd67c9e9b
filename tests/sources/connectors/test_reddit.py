"""Reddit JSON listings: galleries, videos, links, unescaping, pagination and the cursor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idolguard.sources.connectors.base import SourceError
from idolguard.sources.connectors.reddit import (
    LISTING_TYPES,
    MAX_LISTING_BYTES,
    RedditListingConnector,
)
from idolguard.sources.fetch import FetchError
from tests.sources.connectors.fakeweb import FakeWeb

FIXTURES = Path(__file__).parent / "fixtures"
LISTING = "https://www.reddit.com/r/kpopfakes_example/new.json?limit=100"
PAGE_2 = f"{LISTING}&after=t3_xpost07"
PAGE_3 = f"{LISTING}&after=t3_old09"
SUB = "https://www.reddit.com/r/kpopfakes_example/comments"


def _post(post_id: str, url: str, **fields: Any) -> dict[str, Any]:
    data = {
        "name": f"t3_{post_id}",
        "id": post_id,
        "author": "someone",
        "title": f"post {post_id}",
        "subreddit": "kpopfakes_example",
        "permalink": f"/r/kpopfakes_example/comments/{post_id}/x/",
        "url": url,
        "is_self": False,
        "created_utc": 1764000000,
        **fields,
    }
    return {"kind": "t3", "data": data}


def _listing(children: list[dict[str, Any]], after: str | None) -> bytes:
    return json.dumps({"kind": "Listing", "data": {"after": after, "children": children}}).encode()


def _reddit(**extra_pages: bytes) -> FakeWeb:
    pages = {
        LISTING: (FIXTURES / "reddit_new_page1.json").read_bytes(),
        PAGE_2: _listing(
            [
                _post("old08", "https://i.redd.it/old08.jpg"),
                _post("old09", "https://i.redd.it/old09.png"),
            ],
            "t3_old09",
        ),
        PAGE_3: _listing([_post("old10", "https://i.redd.it/old10.webp")], None),
    }
    pages.update(extra_pages)
    return FakeWeb(pages=pages, types={url: "application/json" for url in pages})


def _connector(**options: Any) -> RedditListingConnector:
    return RedditListingConnector({"url": LISTING, **options})


# --------------------------------------------------------------------------- one page


def test_first_page_media_keys_and_order() -> None:
    result = _connector(max_pages=0).poll({}, _reddit())
    assert [(f.key, f.media_url, f.capture) for f in result.found] == [
        (
            "t3_gal01#m2b",
            "https://preview.redd.it/m2b.png?width=800&format=png&auto=webp&s=ccc",
            False,
        ),
        (
            "t3_gal01#m1a",
            "https://preview.redd.it/m1a.jpg?width=1200&format=pjpg&auto=webp&s=bbb",
            False,
        ),
        ("t3_gal01#m4d", "https://preview.redd.it/m4d.gif?format=mp4&s=ddd", False),
        ("t3_vid02#video", "https://v.redd.it/abc123/DASH_720.mp4?source=fallback", False),
        ("t3_img03#url", "https://i.redd.it/xyz123.jpeg", False),
        ("t3_gifv04#url", "https://i.imgur.com/AbCdEf.mp4", False),
        ("t3_link05#preview-0", "https://external-preview.redd.it/Zq9.jpg?auto=webp&s=123", False),
        ("t3_link05#link", "https://forum.example-fakes.net/threads/123?page=2&sort=new", True),
        ("t3_xpost07#crosspost-url", "https://i.redd.it/parent.png", False),
    ]
    assert result.cursor == {"newest": "t3_gal01"}  # the pinned post is no marker
    assert result.warnings == []


def test_gallery_metadata() -> None:
    first, second = _connector(max_pages=0).poll({}, _reddit()).found[:2]
    assert first.page_url == f"{SUB}/gal01/karina_winter_set/"
    assert first.platform == "reddit"
    assert first.post_id == "t3_gal01"
    assert first.uploader == "uploader_one"
    assert first.title == "Karina & Winter set #aespa #에스파"
    assert first.caption is None
    assert first.hashtags == ("aespa", "에스파")
    assert first.posted_at == "2025-11-25T10:00:00Z"
    assert dict(first.extra) == {
        "over_18": True,
        "subreddit": "kpopfakes_example",
        "found_in": "gallery",
        "gallery_caption": "second upload, shown first",
    }
    assert "gallery_caption" not in second.extra


def test_video_and_link_metadata() -> None:
    found = {f.key: f for f in _connector(max_pages=0).poll({}, _reddit()).found}
    video = found["t3_vid02#video"]
    assert video.caption == "made with AI, not real <3"
    assert video.posted_at == "2025-11-25T09:00:00Z"
    assert dict(video.extra) == {
        "over_18": False,
        "subreddit": "kpopfakes_example",
        "found_in": "reddit_video",
    }
    link = found["t3_link05#link"]
    assert link.page_url == f"{SUB}/link05/found_this_on_a_forum/"
    assert dict(link.extra)["found_in"] == "link"
    assert dict(found["t3_link05#preview-0"].extra)["found_in"] == "preview"


def test_raw_json_listings_are_not_unescaped() -> None:
    url = "https://www.reddit.com/r/x/new.json?raw_json=1"
    body = _listing([_post("a1", "https://i.redd.it/a1.jpg", title="Q&amp;A")], None)
    found = RedditListingConnector({"url": url}).poll({}, FakeWeb(pages={url: body})).found
    assert found[0].title == "Q&amp;A"


def test_media_video_without_secure_media_and_gif_preview() -> None:
    children = [
        _post(
            "v1",
            "https://v.redd.it/zzz",
            media={"reddit_video": {"fallback_url": "https://v.redd.it/zzz/DASH_360.mp4"}},
        ),
        _post(
            "g1",
            "https://redgifs.example.com/watch/abc",
            preview={
                "reddit_video_preview": {"fallback_url": "https://v.redd.it/p/DASH_240.mp4"},
                "images": [{"source": {"url": "https://external-preview.redd.it/g.jpg"}}],
            },
        ),
    ]
    web = FakeWeb(pages={LISTING: _listing(children, None)})
    found = _connector().poll({}, web).found
    assert [(f.key, f.media_url) for f in found] == [
        ("t3_v1#video", "https://v.redd.it/zzz/DASH_360.mp4"),
        ("t3_g1#preview-video", "https://v.redd.it/p/DASH_240.mp4"),
        ("t3_g1#preview-0", "https://external-preview.redd.it/g.jpg"),
        ("t3_g1#link", "https://redgifs.example.com/watch/abc"),
    ]


def test_inline_images_of_a_text_post() -> None:
    post = _post(
        "t9",
        "https://www.reddit.com/r/kpopfakes_example/comments/t9/x/",
        is_self=True,
        selftext="look ![img](abc)",
        media_metadata={
            "abc": {
                "status": "valid",
                "e": "Image",
                "p": [{"u": "https://preview.redd.it/abc.jpg?width=640&amp;s=1"}],
            }
        },
    )
    found = _connector().poll({}, FakeWeb(pages={LISTING: _listing([post], None)})).found
    assert [(f.key, f.media_url) for f in found] == [
        ("t3_t9#abc", "https://preview.redd.it/abc.jpg?width=640&s=1")
    ]


# --------------------------------------------------------------------------- pages and cursor


def test_early_stop_at_the_previous_newest_post() -> None:
    web = _reddit()
    result = _connector().poll({"newest": "t3_img03"}, web)
    assert [f.key for f in result.found] == [
        "t3_gal01#m2b",
        "t3_gal01#m1a",
        "t3_gal01#m4d",
        "t3_vid02#video",
    ]
    assert web.asked == [(LISTING, None, None)]
    assert result.cursor == {"newest": "t3_gal01"}


def test_nothing_new_keeps_the_cursor() -> None:
    web = _reddit()
    result = _connector().poll({"newest": "t3_gal01"}, web)
    assert result.found == []
    assert result.cursor == {"newest": "t3_gal01"}
    assert len(web.asked) == 1


def test_pagination_follows_after_until_the_previous_newest() -> None:
    web = _reddit()
    result = _connector().poll({"newest": "t3_old09"}, web)
    assert [asked[0] for asked in web.asked] == [LISTING, PAGE_2]
    assert [f.key for f in result.found][-1] == "t3_old08#url"
    assert result.cursor == {"newest": "t3_gal01"}
    assert result.warnings == []


def test_max_pages_bounds_the_walk() -> None:
    web = _reddit()
    result = _connector(max_pages=1).poll({}, web)
    assert [asked[0] for asked in web.asked] == [LISTING, PAGE_2]
    assert [f.key for f in result.found][-2:] == ["t3_old08#url", "t3_old09#url"]
    assert result.warnings == []  # a first poll reads a window; nothing was missed
    web = _reddit()
    gap = _connector(max_pages=1).poll({"newest": "t3_gone"}, web)
    assert len(web.asked) == 2
    assert gap.cursor == {"newest": "t3_gal01"}
    assert len(gap.warnings) == 1
    assert "without reaching the newest post of the previous poll (t3_gone" in gap.warnings[0]


def test_end_of_listing_and_repeated_after_stop_the_walk() -> None:
    web = _reddit()
    result = _connector(max_pages=10).poll({}, web)
    assert [asked[0] for asked in web.asked] == [LISTING, PAGE_2, PAGE_3]
    assert result.found[-1].key == "t3_old10#url"
    looping = _reddit(
        **{PAGE_2: _listing([_post("old08", "https://i.redd.it/o.jpg")], "t3_xpost07")}
    )
    _connector(max_pages=10).poll({}, looping)
    assert [asked[0] for asked in looping.asked] == [LISTING, PAGE_2]


def test_after_replaces_an_existing_after_parameter() -> None:
    url = "https://www.reddit.com/user/someone/submitted.json?after=t3_start&sort=new"
    second = "https://www.reddit.com/user/someone/submitted.json?sort=new&after=t3_b"
    web = FakeWeb(
        pages={
            url: _listing([_post("b", "https://i.redd.it/b.jpg")], "t3_b"),
            second: _listing([], None),
        }
    )
    RedditListingConnector({"url": url}).poll({}, web)
    assert [asked[0] for asked in web.asked] == [url, second]


def test_a_later_page_failing_keeps_the_old_cursor() -> None:
    web = _reddit()
    del web.pages[PAGE_2]
    result = _connector().poll({"newest": "t3_older"}, web)
    assert len(result.found) == 9
    assert result.cursor == {"newest": "t3_older"}
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"stopped reading the listing at {PAGE_2}: http_error")
    broken = _reddit(**{PAGE_2: b"<html>rate limited</html>"})
    result = _connector().poll({"newest": "t3_older"}, broken)
    assert result.cursor == {"newest": "t3_older"}
    assert "is not JSON" in result.warnings[0]


def test_entries_per_poll_are_capped() -> None:
    many = [_post(f"p{i}", f"https://i.redd.it/p{i}.jpg") for i in range(100)]
    pages = {LISTING: _listing(many, "t3_p99")}
    for page in range(1, 6):
        after_url = f"{LISTING}&after=t3_p{page * 100 - 1}"
        posts = [
            _post(f"p{i}", f"https://i.redd.it/p{i}.jpg")
            for i in range(page * 100, page * 100 + 100)
        ]
        pages[after_url] = _listing(posts, f"t3_p{page * 100 + 99}")
    result = _connector(max_pages=10).poll({}, FakeWeb(pages=pages))
    assert len(result.found) == 500
    assert result.found[-1].key == "t3_p499#url"
    assert result.cursor == {"newest": "t3_p0"}
    assert result.warnings == [
        "more media than one poll takes (500); older posts of this poll were skipped"
    ]


# --------------------------------------------------------------------------- options, hostile input


def test_options_are_checked() -> None:
    assert _connector().max_pages == 3
    with pytest.raises(SourceError, match=r"ending in \.json"):
        RedditListingConnector({"url": "https://www.reddit.com/r/kpop/new/"})
    with pytest.raises(SourceError, match="absolute http"):
        RedditListingConnector({"url": "ftp://www.reddit.com/r/kpop/new.json"})
    with pytest.raises(SourceError, match="must not be negative"):
        _connector(max_pages=-1)


def test_requests_ask_for_json_within_a_size_cap() -> None:
    assert LISTING_TYPES == ("application/json",)
    assert MAX_LISTING_BYTES == 5_000_000
    web = _reddit()
    web.pages[LISTING] = b"x" * (MAX_LISTING_BYTES + 1)
    with pytest.raises(FetchError):
        _connector().poll({}, web)


def test_a_non_listing_first_page_is_a_source_error() -> None:
    for body, message in [
        (b"<!doctype html><html></html>", "is not JSON"),
        (b'{"kind": "t2", "data": {"name": "someone"}}', "is not a Reddit listing"),
        (b'{"kind": "Listing", "data": {"children": "nope"}}', "is not a Reddit listing"),
        (b"[1, 2, 3]", "is not a Reddit listing"),
        (b"[" * 100_000 + b"]" * 100_000, "is not"),
        (b'{"a": 1' + b"9" * 5000 + b"}", "is not JSON"),
        (b"\xff\xfe\xfa", "is not JSON"),
    ]:
        with pytest.raises(SourceError, match=message):
            _connector().poll({}, FakeWeb(pages={LISTING: body}))


def test_a_post_page_listing_is_read() -> None:
    comments = {
        "kind": "Listing",
        "data": {"after": None, "children": [{"kind": "t1", "data": {}}]},
    }
    post = json.loads(_listing([_post("one", "https://i.redd.it/one.jpg")], None))
    url = "https://www.reddit.com/r/x/comments/one/title.json"
    web = FakeWeb(pages={url: json.dumps([post, comments]).encode()})
    found = RedditListingConnector({"url": url}).poll({}, web).found
    assert [f.key for f in found] == ["t3_one#url"]


def test_odd_field_types_give_fewer_facts_not_errors() -> None:
    odd = {
        "kind": "t3",
        "data": {
            "id": "odd1",
            "title": ["not", "text"],
            "author": 42,
            "permalink": "javascript:alert(1)",
            "url": "https://i.redd.it/odd1.jpg",
            "created_utc": "yesterday",
            "over_18": "yes",
            "media_metadata": ["not", "a", "dict"],
            "gallery_data": {"items": "nope"},
            "secure_media": {"reddit_video": "nope"},
            "preview": {"images": [None, {"source": None}]},
            "crosspost_parent_list": "nope",
        },
    }
    nameless = {"kind": "t3", "data": {"url": "https://i.redd.it/x.jpg"}}
    web = FakeWeb(pages={LISTING: _listing([odd, nameless], 7)})  # type: ignore[arg-type]
    result = _connector().poll({}, web)
    assert len(result.found) == 1
    entry = result.found[0]
    assert (entry.key, entry.media_url) == ("t3_odd1#url", "https://i.redd.it/odd1.jpg")
    assert entry.page_url == "https://www.reddit.com/comments/odd1/"
    assert (entry.title, entry.uploader) == (None, None)
    assert entry.posted_at == "yesterday"
    assert dict(entry.extra) == {"found_in": "url"}
    assert result.cursor == {"newest": "t3_odd1"}
