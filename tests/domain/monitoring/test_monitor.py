"""Continuous monitoring end to end: sources served on loopback, real scans, real database.

Each test runs on SQLite and (when configured) PostgreSQL. The web server
changes its answers between runs, the way a real site fails and recovers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from idolguard.app import IdolGuard
from idolguard.clock import utcnow
from idolguard.config import MonitorSettings, ReviewSettings, Settings
from idolguard.domain.monitoring import MAX_ATTEMPTS, MonitorError
from idolguard.sources.connectors.base import SourceError
from idolguard.sources.connectors.feed import FeedConnector
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.models import AnalysisResult, MonitorEntry, MonitorSource, Sighting
from tests.helpers import face_photo, sample
from tests.website import Answer, ChangingSite

ACTOR = "monitor@test"


@pytest.fixture
def mapp(settings: Settings) -> Iterator[IdolGuard]:
    monitored = replace(
        settings,
        monitor=MonitorSettings(
            per_host_delay_seconds=0.0,
            timeout=3.0,
            retries=1,
            backoff_seconds=0.01,
            allow_private=True,
        ),
        # Every analysed file opens an item, so item creation is exercised without a roster.
        review=ReviewSettings(open_min_risk=0.0),
    )
    with IdolGuard(monitored) as instance:
        yield instance


def rss(site: ChangingSite, *items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 feed whose items are ``(post id, media path, caption)``."""
    entries = "".join(
        f"""<item><title>post {post}</title><link>{site.url("/posts/" + post)}</link>
        <guid isPermaLink="false">{post}</guid>
        <author>uploader{post}@example.test (fan{post})</author>
        <dc:creator>fan{post}</dc:creator>
        <description>{caption}</description>
        <pubDate>Tue, 24 Nov 2026 10:00:00 +0000</pubDate>
        <enclosure url="{site.url(media)}" type="image/jpeg" length="1"/></item>"""
        for post, media, caption in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>fan board</title><link>{site.url('/')}</link>{entries}</channel></rss>"
    ).encode()


def serve_feed(site: ChangingSite, *items: tuple[str, str, str], etag: str = '"v1"') -> None:
    site.routes["/feed.xml"] = Answer(
        200, rss(site, *items), "application/rss+xml", headers={"ETag": etag}
    )


def add_feed(app: IdolGuard, site: ChangingSite, name: str = "board") -> None:
    app.monitor.add("feed", name, {"url": site.url("/feed.xml")}, actor=ACTOR)


def sightings(app: IdolGuard) -> list[Sighting]:
    with app.database.session() as session:
        rows = session.scalars(select(Sighting).where(Sighting.source_id.is_not(None))).all()
        session.expunge_all()
        return list(rows)


def entry_states(app: IdolGuard) -> dict[str, tuple[str, int]]:
    with app.database.session() as session:
        return {e.key: (e.state, e.attempts) for e in session.scalars(select(MonitorEntry))}


def test_a_feed_is_monitored_and_every_sighting_keeps_its_metadata(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    website.serve("/media/b.jpg", sample("rocket.jpg").read_bytes())
    serve_feed(
        website,
        ("101", "/media/a.jpg", "제니 딥페이크 합성 #kpop"),
        ("102", "/media/b.jpg", "launch day"),
    )
    add_feed(mapp, website)
    assert mapp.monitor.due() == ["board"]

    report = mapp.monitor.run("board", actor=ACTOR)

    assert report.error is None
    assert (report.listed, report.new, report.processed, report.failed) == (2, 2, 2, 0)
    assert len(report.opened) == 2 and report.cursor_saved
    seen = {s.location: s for s in sightings(mapp)}
    first = seen[website.url("/posts/101")]
    details = first.details or {}
    assert details["caption"] == "제니 딥페이크 합성 #kpop"
    assert details["post_id"] == "101"
    assert details["uploader"] == "fan101"
    assert details["posted_at"] == "2026-11-24T10:00:00Z"
    assert details["media_url"] == website.url("/media/a.jpg")
    assert details["media_fetch"]["http_status"] == 200
    assert details["media_fetch"]["sha256"] == first.media_sha256
    assert details["monitor_source"] == "board" and details["seen_at"]
    # The item and its evidence carry the same source facts.
    item = mapp.cases.get_item(report.opened[0])
    assert item.location in seen
    assert item.source.get("post_id") in ("101", "102")
    # The caption was read by the text signal.
    results, _ = mapp.analysis.stored_results(first.media_sha256 or "")
    assert "text" in results
    assert {t["term"] for t in results["text"]["terms"]} >= {"딥페이크"}
    view = mapp.monitor.get("board")
    assert view.entries == {"done": 2} and view.sightings == 2
    assert view.next_run_at is not None and view.next_run_at > utcnow()
    assert mapp.monitor.due() == []


def test_a_second_run_skips_what_was_seen_and_sends_validators(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("101", "/media/a.jpg", "caption"))
    add_feed(mapp, website)
    mapp.monitor.run("board", actor=ACTOR)
    media_hits = len(website.hits("/media/a.jpg"))

    again = mapp.monitor.run("board", actor=ACTOR)  # same feed, same ETag
    assert website.hits("/feed.xml")[-1].headers.get("If-None-Match") == '"v1"'
    assert (again.new, again.processed) == (0, 0)
    assert len(website.hits("/media/a.jpg")) == media_hits
    assert len(sightings(mapp)) == 1

    # The feed changes: only the new post is fetched.
    website.serve("/media/b.jpg", sample("rocket.jpg").read_bytes())
    serve_feed(
        website, ("101", "/media/a.jpg", "caption"), ("103", "/media/b.jpg", "x"), etag='"v2"'
    )
    third = mapp.monitor.run("board", actor=ACTOR)
    assert (third.new, third.already_seen, third.processed) == (1, 1, 1)
    assert len(website.hits("/media/a.jpg")) == media_hits
    assert len(sightings(mapp)) == 2


def test_the_same_content_in_two_posts_is_analysed_once_and_seen_twice(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    data = sample("astronaut.jpg").read_bytes()
    website.serve("/media/a.jpg", data)
    website.serve("/media/copy.jpg", data)
    serve_feed(website, ("1", "/media/a.jpg", "first"), ("2", "/media/copy.jpg", "again"))
    add_feed(mapp, website)
    report = mapp.monitor.run("board", actor=ACTOR)
    assert report.processed == 2
    found = sightings(mapp)
    assert len(found) == 2 and found[0].media_sha256 == found[1].media_sha256
    with mapp.database.session() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(AnalysisResult)
            .where(AnalysisResult.media_sha256 == found[0].media_sha256)
            .where(AnalysisResult.signal == "pdq")
        )
    assert rows == 1


def test_failed_media_is_retried_on_later_runs_and_gone_media_is_not(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    website.routes["/media/flaky.jpg"] = Answer(503, b"busy", "text/plain")
    serve_feed(website, ("1", "/media/flaky.jpg", "x"), ("2", "/media/gone.jpg", "y"))
    add_feed(mapp, website)

    first = mapp.monitor.run("board", actor=ACTOR)
    assert (first.processed, first.failed) == (0, 2)
    assert first.cursor_saved  # failures are kept per entry, not by holding the cursor back
    states = entry_states(mapp)
    by_state = sorted(states.values())
    assert by_state == [("failed", 1), ("failed", MAX_ATTEMPTS)]  # 503 retryable, 404 not

    # The server recovers; the feed answers 304 now, so only the stored entry brings it back.
    website.serve("/media/flaky.jpg", sample("rocket.jpg").read_bytes())
    website.queue("/feed.xml", Answer(304, b"", "application/rss+xml"))
    second = mapp.monitor.run("board", actor=ACTOR)
    assert (second.retried, second.processed) == (1, 1)
    assert sorted(s for s, _ in entry_states(mapp).values()) == ["done", "failed"]
    assert len(website.hits("/media/gone.jpg")) == 1


def test_a_failing_source_backs_off_and_keeps_its_cursor(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    website.routes["/feed.xml"] = Answer(500, b"down", "text/plain")
    add_feed(mapp, website)
    with mapp.database.session() as session:
        row = session.scalar(select(MonitorSource))
        assert row is not None
        row.cursor = {"etag": '"old"'}
    report = mapp.monitor.run("board", actor=ACTOR)
    assert report.error is not None and "500" in report.error
    view = mapp.monitor.get("board")
    assert view.failures == 1 and view.last_error == report.error
    assert view.cursor == {"etag": '"old"'}
    assert view.next_run_at is not None
    delay = (view.next_run_at - utcnow()).total_seconds()
    assert 2 * 3600 - 60 < delay <= 2 * 3600  # twice the 60-minute schedule
    assert mapp.monitor.due() == []


def test_a_run_stopped_midway_resumes_without_duplicates(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    items = []
    for n, photo in enumerate(("astronaut.jpg", "rocket.jpg", "coffee.jpg", "chelsea.jpg")):
        website.serve(f"/media/{n}.jpg", sample(photo).read_bytes())
        items.append((str(n), f"/media/{n}.jpg", f"post {n}"))
    serve_feed(website, *items)
    add_feed(mapp, website)
    mapp = _with_batch(mapp, concurrency=1)  # batches of two
    calls = iter([False, True])  # the stop request arrives after the first batch
    first = mapp.monitor.run("board", actor=ACTOR, stop=lambda: next(calls, True))
    assert first.stopped and first.processed == 2 and not first.cursor_saved
    assert mapp.monitor.due() == ["board"]  # still due: it was not finished

    # A crash after scanning but before the entry was closed: the entry stays pending.
    with mapp.database.session() as session:
        done = session.scalars(select(MonitorEntry).where(MonitorEntry.state == "done")).first()
        assert done is not None
        done.state, done.attempts = "pending", 1

    second = mapp.monitor.run("board", actor=ACTOR)
    assert second.processed == 3  # the two never started and the interrupted one
    assert sorted(s for s, _ in entry_states(mapp).values()) == ["done"] * 4
    assert len(sightings(mapp)) == 4  # finishing an entry twice still records one sighting


class _Killed(BaseException):
    """Stands in for SIGKILL: the run ends between claiming its entries and closing them."""


def test_entries_of_runs_killed_many_times_are_finished_by_the_next_run(
    mapp: IdolGuard, website: ChangingSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies is not a failed try: claims used to count, and 3 kills left entries
    pending for ever (18 of 80 in the 20-kill benchmark)."""
    for n, photo in enumerate(("astronaut.jpg", "rocket.jpg")):
        website.serve(f"/media/{n}.jpg", sample(photo).read_bytes())
    serve_feed(website, ("0", "/media/0.jpg", "a"), ("1", "/media/1.jpg", "b"))
    add_feed(mapp, website)

    def killed(*_: object) -> None:
        raise _Killed

    monkeypatch.setattr(mapp.monitor, "_process", killed)
    for _ in range(MAX_ATTEMPTS + 2):
        with pytest.raises(_Killed):
            mapp.monitor.run("board", actor=ACTOR)
    assert list(entry_states(mapp).values()) == [("pending", 0)] * 2
    monkeypatch.undo()

    report = mapp.monitor.run("board", actor=ACTOR)
    assert (report.processed, report.retried, report.failed) == (2, 2, 0)
    assert list(entry_states(mapp).values()) == [("done", 0)] * 2
    assert len(sightings(mapp)) == 2


def _with_batch(app: IdolGuard, *, concurrency: int) -> IdolGuard:
    app.monitor.settings = replace(
        app.monitor.settings,
        monitor=replace(app.monitor.settings.monitor, concurrency=concurrency),
    )
    return app


def test_robots_txt_is_obeyed_for_media(mapp: IdolGuard, website: ChangingSite) -> None:
    website.serve("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    website.serve("/private/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("1", "/private/a.jpg", "x"))
    add_feed(mapp, website)
    report = mapp.monitor.run("board", actor=ACTOR)
    assert report.failed == 1 and report.robots_refusals == 1
    assert "robots.txt does not allow" in report.errors[0]
    assert website.hits("/private/a.jpg") == []
    assert list(entry_states(mapp).values()) == [("failed", MAX_ATTEMPTS)]


def test_a_source_on_a_private_address_names_the_setting_that_allows_it(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    mapp.monitor.settings = replace(
        mapp.monitor.settings, monitor=replace(mapp.monitor.settings.monitor, allow_private=False)
    )
    add_feed(mapp, website)
    report = mapp.monitor.run("board", actor=ACTOR)
    assert report.error is not None and "127.0.0.1" in report.error
    assert "allow_private = true under [monitor] in idolguard.toml" in report.error
    assert mapp.monitor.get("board").last_error == report.error
    assert website.log == []


def test_a_watched_folder_picks_up_new_files_only(mapp: IdolGuard, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(sample("astronaut.jpg"), folder / "one.jpg")
    (folder / "notes.txt").write_text("not media")
    mapp.monitor.add("folder", "drop", {"path": str(folder), "settle_seconds": "0"}, actor=ACTOR)
    first = mapp.monitor.run("drop", actor=ACTOR)
    assert (first.listed, first.processed) == (1, 1)
    shutil.copy(sample("rocket.jpg"), folder / "two.jpg")
    second = mapp.monitor.run("drop", actor=ACTOR)
    assert (second.new, second.processed, second.already_seen) == (1, 1, 1)
    assert {Path(s.location).name for s in sightings(mapp)} == {"one.jpg", "two.jpg"}


def test_sources_are_validated_named_paused_and_removed(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    with pytest.raises(SourceError, match="need url"):
        mapp.monitor.add("feed", "x", {}, actor=ACTOR)
    with pytest.raises(SourceError, match="unknown source kind"):
        mapp.monitor.add("myspace", "x", {"url": "https://a.example"}, actor=ACTOR)
    with pytest.raises(MonitorError, match="source name"):
        mapp.monitor.add("feed", "no spaces", {"url": "https://a.example/f"}, actor=ACTOR)
    with pytest.raises(MonitorError, match="once a minute"):
        mapp.monitor.add("feed", "x", {"url": "https://a.example/f"}, actor=ACTOR, every_seconds=5)
    add_feed(mapp, website)
    with pytest.raises(MonitorError, match="already"):
        add_feed(mapp, website)
    assert not mapp.monitor.set_enabled("board", False, actor=ACTOR).enabled
    assert mapp.monitor.due() == []
    assert mapp.monitor.set_enabled("board", True, actor=ACTOR).enabled

    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("1", "/media/a.jpg", "x"))
    mapp.monitor.run("board", actor=ACTOR)
    mapp.monitor.remove("board", actor=ACTOR)
    with pytest.raises(MonitorError, match="no source named"):
        mapp.monitor.get("board")
    kept = sightings_all(mapp)
    assert len(kept) == 1 and kept[0].source_id is None  # evidence outlives the source
    events = [e.details["event"] for e in mapp.custody.entries() if e.action == "source"]
    assert events == ["added", "paused", "resumed", "removed"]


def sightings_all(app: IdolGuard) -> list[Sighting]:
    with app.database.session() as session:
        rows = list(session.scalars(select(Sighting).where(Sighting.details.is_not(None))))
        session.expunge_all()
        return rows


def test_a_restart_continues_the_schedule(settings: Settings, website: ChangingSite) -> None:
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("1", "/media/a.jpg", "x"))
    tuned = replace(settings, monitor=MonitorSettings(allow_private=True, per_host_delay_seconds=0))
    with IdolGuard(tuned) as first:
        add_feed(first, website)
        first.monitor.run("board", actor=ACTOR)
    with IdolGuard(tuned) as second:
        assert second.monitor.due() == []
        later = utcnow() + timedelta(hours=1, minutes=1)
        assert second.monitor.due(later) == ["board"]
        again = second.monitor.run("board", actor=ACTOR)
        assert (again.new, again.already_seen, again.processed) == (0, 1, 0)
        assert len(sightings(second)) == 1


def _html(site: ChangingSite, tmp_path: Path) -> tuple[str, dict[str, str], int]:
    site.serve(
        "/board",
        """<html><head><title>fan board</title><meta name="author" content="boardfan"></head>
        <body><img src="/media/a.jpg" alt="제니 합성" width="300" height="300">
        <img src="/static/icon.png" width="16" height="16">
        <a rel="next" href="/board/2">다음</a></body></html>""".encode(),
        "text/html; charset=utf-8",
    )
    site.serve(
        "/board/2",
        b'<html><body><img src="/media/b.jpg" alt="second page"></body></html>',
        "text/html",
    )
    return "html", {"url": site.url("/board")}, 2


def _reddit(site: ChangingSite, tmp_path: Path) -> tuple[str, dict[str, str], int]:
    post = {
        "kind": "t3",
        "data": {
            "id": "abc1",
            "name": "t3_abc1",
            "author": "throwaway99",
            "title": "Jennie deepfake",
            "permalink": "/r/test/comments/abc1/jennie/",
            "created_utc": 1795600000,
            "url_overridden_by_dest": site.url("/media/a.jpg"),
            "url": site.url("/media/a.jpg"),
            "over_18": True,
        },
    }
    listing = {"kind": "Listing", "data": {"after": None, "children": [post]}}
    site.serve("/r/test/new.json", json.dumps(listing).encode(), "application/json")
    return "reddit", {"url": site.url("/r/test/new.json")}, 1


def _urls(site: ChangingSite, tmp_path: Path) -> tuple[str, dict[str, str], int]:
    text = f"# reported by fans\n{site.url('/media/a.jpg')}\tfan report\nnot a url\n"
    site.serve("/list.txt", text.encode(), "text/plain; charset=utf-8")
    return "urls", {"url": site.url("/list.txt")}, 1


def _telegram(site: ChangingSite, tmp_path: Path) -> tuple[str, dict[str, str], int]:
    export = tmp_path / "ChatExport"
    (export / "photos").mkdir(parents=True)
    shutil.copy(sample("astronaut.jpg"), export / "photos" / "photo_1.jpg")
    result = {
        "name": "leak channel",
        "type": "public_channel",
        "id": 4242,
        "messages": [
            {
                "id": 5,
                "type": "message",
                "date": "2026-11-20T21:04:11",
                "date_unixtime": "1763672651",
                "from": "leaker",
                "from_id": "channel4242",
                "text": ["new ", {"type": "hashtag", "text": "#딥페이크"}],
                "photo": "photos/photo_1.jpg",
            }
        ],
    }
    (export / "result.json").write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return "telegram", {"path": str(export)}, 1


def _x_archive(site: ChangingSite, tmp_path: Path) -> tuple[str, dict[str, str], int]:
    data = tmp_path / "twitter-archive" / "data"
    (data / "tweets_media").mkdir(parents=True)
    account = [{"account": {"username": "fakesacct", "accountId": "77"}}]
    tweet = {
        "tweet": {
            "id_str": "1790000000000000001",
            "full_text": "#kpop fake",
            "created_at": "Wed Nov 18 20:19:24 +0000 2026",
            "entities": {"hashtags": [{"text": "kpop"}]},
            "extended_entities": {
                "media": [
                    {
                        "id_str": "555",
                        "media_url_https": "https://pbs.twimg.com/media/XYZ.jpg",
                        "type": "photo",
                    }
                ]
            },
        }
    }
    (data / "account.js").write_text("window.YTD.account.part0 = " + json.dumps(account))
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps([tweet]))
    shutil.copy(sample("rocket.jpg"), data / "tweets_media" / "1790000000000000001-XYZ.jpg")
    return "x-archive", {"path": str(data.parent)}, 1


@pytest.mark.parametrize("make", [_html, _reddit, _urls, _telegram, _x_archive])
def test_every_kind_of_source_feeds_the_scan(
    mapp: IdolGuard, website: ChangingSite, tmp_path: Path, make: Any
) -> None:
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    website.serve("/media/b.jpg", sample("rocket.jpg").read_bytes())
    kind, options, expected = make(website, tmp_path)
    mapp.monitor.add(kind, "src", options, actor=ACTOR)
    report = mapp.monitor.run("src", actor=ACTOR)
    assert report.error is None, report.error
    assert (report.processed, report.failed) == (expected, 0), report.errors
    found = sightings(mapp)
    assert len(found) == expected and all(s.media_sha256 for s in found)
    details = found[0].details or {}
    assert details["monitor_kind"] == kind and details["seen_at"]
    assert details.get("uploader") or kind == "urls"
    again = mapp.monitor.run("src", actor=ACTOR)
    assert (again.new, again.processed) == (0, 0)
    assert len(sightings(mapp)) == expected


def test_two_watchers_never_run_the_same_source(mapp: IdolGuard, website: ChangingSite) -> None:
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("1", "/media/a.jpg", "x"))
    add_feed(mapp, website)
    assert mapp.monitor._lease("board")  # the other watcher got there first
    assert mapp.monitor.run_due(actor=ACTOR) == []
    assert website.hits("/feed.xml") == []
    with mapp.database.session() as session:
        row = session.scalar(select(MonitorSource))
        assert row is not None
        row.next_run_at = utcnow() - timedelta(minutes=1)  # its lease ran out
    [report] = mapp.monitor.run_due(actor=ACTOR)
    assert report.processed == 1


def serve_gallery(site: ChangingSite) -> None:
    """A post with two images in one feed item, and a gallery page showing three images."""
    for n, photo in enumerate(("astronaut.jpg", "rocket.jpg", "coffee.jpg", "chelsea.jpg")):
        site.serve(f"/media/{n}.jpg", sample(photo).read_bytes())
    two = (
        f"<item><title>two photos</title><link>{site.url('/posts/9')}</link><guid>9</guid>"
        f'<dc:creator>fan9</dc:creator><description>&lt;img src="{site.url("/media/1.jpg")}"&gt;'
        "</description>"
        f'<enclosure url="{site.url("/media/0.jpg")}" type="image/jpeg" length="1"/></item>'
    )
    feed = rss(site).replace(b"</channel>", two.encode() + b"</channel>")
    site.routes["/feed.xml"] = Answer(200, feed, "application/rss+xml")
    images = "".join(f'<img src="/media/{n}.jpg" width="300" height="300">' for n in (1, 2, 3))
    page = f'<html><head><meta name="author" content="galleryfan"></head><body>{images}</body>'
    site.serve("/gallery", page.encode(), "text/html; charset=utf-8")


def test_every_image_of_a_post_and_of_a_gallery_is_its_own_sighting(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    serve_gallery(website)
    add_feed(mapp, website)
    mapp.monitor.add("html", "gallery", {"url": website.url("/gallery")}, actor=ACTOR)

    post = mapp.monitor.run("board", actor=ACTOR)
    gallery = mapp.monitor.run("gallery", actor=ACTOR)

    assert (post.error, post.processed, post.failed) == (None, 2, 0), post.errors
    assert (gallery.error, gallery.processed, gallery.failed) == (None, 3, 0), gallery.errors
    assert len(post.opened) == 2 and len(gallery.opened) == 3
    seen = sightings(mapp)
    by_page: dict[str, set[str]] = {}
    for s in seen:
        by_page.setdefault(s.location, set()).add((s.details or {})["media_url"])
    assert by_page == {
        website.url("/posts/9"): {website.url(f"/media/{n}.jpg") for n in (0, 1)},
        website.url("/gallery"): {website.url(f"/media/{n}.jpg") for n in (1, 2, 3)},
    }
    assert sorted(s for s, _ in entry_states(mapp).values()) == ["done"] * 5
    for name in ("board", "gallery"):
        again = mapp.monitor.run(name, actor=ACTOR)
        assert (again.error, again.new, again.processed) == (None, 0, 0)
    assert len(sightings(mapp)) == 5


def test_an_unexpected_error_on_one_entry_fails_that_entry_only(
    mapp: IdolGuard, website: ChangingSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_gallery(website)
    mapp.monitor.add("html", "gallery", {"url": website.url("/gallery")}, actor=ACTOR)
    record = AnalysisStore.record
    broken = website.url("/media/2.jpg")

    def record_unless_broken(self: AnalysisStore, scan_id: int, rec: Any, **kw: Any) -> None:
        if rec.source.get("media_url") == broken:
            raise RuntimeError("disk on fire")
        record(self, scan_id, rec, **kw)

    monkeypatch.setattr(AnalysisStore, "record", record_unless_broken)
    report = mapp.monitor.run("gallery", actor=ACTOR)

    assert report.error is None and report.cursor_saved
    assert report.processed + report.failed == 3 and report.failed >= 1
    assert any("unexpected error (RuntimeError): disk on fire" in e for e in report.errors)
    with mapp.database.session() as session:
        failed = session.scalar(select(MonitorEntry).where(MonitorEntry.key == broken))
        assert failed is not None and failed.state == "failed" and failed.attempts == 1
    view = mapp.monitor.get("gallery")
    assert view.last_error is None and view.next_run_at is not None
    assert view.next_run_at > utcnow() + timedelta(minutes=59)  # its schedule, not a lease

    monkeypatch.setattr(AnalysisStore, "record", record)
    again = mapp.monitor.run("gallery", actor=ACTOR)  # the failed ones are retried
    assert again.failed == 0 and again.processed == report.failed
    assert len(sightings(mapp)) == 3


def test_an_unexpected_error_in_a_run_releases_the_source_and_the_others_still_run(
    mapp: IdolGuard, website: ChangingSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_feed(mapp, website)
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(sample("rocket.jpg"), folder / "r.jpg")
    mapp.monitor.add("folder", "drop", {"path": str(folder), "settle_seconds": "0"}, actor=ACTOR)

    def explode(*_args: Any) -> Any:
        raise KeyError("a bug in the connector")

    monkeypatch.setattr(FeedConnector, "poll", explode)
    reports = {r.source: r for r in mapp.monitor.run_due(actor=ACTOR)}

    assert set(reports) == {"board", "drop"}
    assert reports["drop"].processed == 1 and reports["drop"].error is None
    error = reports["board"].error
    assert error is not None and "unexpected error (KeyError)" in error
    view = mapp.monitor.get("board")
    assert view.failures == 1 and view.last_error == error
    assert view.next_run_at == reports["board"].next_run_at  # backed off, not left leased
    assert view.runs == 1 and "board" in mapp.monitor.due(utcnow() + timedelta(hours=2, minutes=1))


def test_a_sighting_says_who_was_recognised_the_risk_and_the_item(
    mapp: IdolGuard, website: ChangingSite
) -> None:
    mapp.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    website.serve("/media/team.jpg", face_photo("players.jpg").read_bytes())
    website.serve("/media/rocket.jpg", sample("rocket.jpg").read_bytes())
    serve_feed(website, ("1", "/media/team.jpg", "team photo"), ("2", "/media/rocket.jpg", "x"))
    add_feed(mapp, website)
    report = mapp.monitor.run("board", actor=ACTOR)
    assert report.processed == 2

    shown = {s["details"]["post_id"]: s for s in mapp.monitor.sightings("board")}
    team, rocket = shown["1"], shown["2"]
    assert team["artists"] == ["Yao Ming"] and rocket["artists"] == []
    item = mapp.cases.get_item(team["item"]["id"])
    assert team["item"]["state"] == item.state and team["risk"] == round(item.risk, 4)
    assert item.location == website.url("/posts/1")
    assert rocket["item"] is not None and rocket["item"]["id"] != item.id
