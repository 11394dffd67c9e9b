"""The polite reader against a real HTTP server on loopback: the rules are proved on the wire."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from idolguard.config import MonitorSettings
from idolguard.sources.fetch import FetchError, FetchErrorCode
from idolguard.sources.polite import (
    CredentialsError,
    HostGate,
    PoliteWeb,
    load_credentials,
)
from tests.website import Answer, ChangingSite

FAST = MonitorSettings(
    per_host_delay_seconds=0.0,
    timeout=2.0,
    retries=2,
    backoff_seconds=0.05,
    allow_private=True,
)


def polite(tmp_path: Path, settings: MonitorSettings = FAST, **kwargs: object) -> PoliteWeb:
    return PoliteWeb(settings, tmp_path / "work", **kwargs)  # type: ignore[arg-type]


def test_robots_disallow_refuses_without_requesting_the_page(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve(
        "/robots.txt",
        b"User-agent: IdolGuard\nDisallow: /private/\n\nUser-agent: *\nDisallow:\n",
        "text/plain",
    )
    website.serve("/private/feed.xml", b"<rss/>", "application/rss+xml")
    website.serve("/public/feed.xml", b"<rss/>", "application/rss+xml")
    web = polite(tmp_path)
    with pytest.raises(FetchError) as refused:
        web.get(website.url("/private/feed.xml"), max_bytes=1000)
    assert refused.value.code is FetchErrorCode.ROBOTS
    assert "robots.txt does not allow" in refused.value.message
    assert website.hits("/private/feed.xml") == []
    assert web.get(website.url("/public/feed.xml"), max_bytes=1000).body == b"<rss/>"
    # robots.txt is read once per host, then cached.
    web.get(website.url("/public/feed.xml"), max_bytes=1000)
    assert len(website.hits("/robots.txt")) == 1
    assert web.log.robots_refusals == 1


def test_missing_robots_allows_and_server_error_refuses(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/page", b"ok", "text/html")
    assert polite(tmp_path).get(website.url("/page"), max_bytes=100).body == b"ok"

    website.routes["/robots.txt"] = Answer(403, b"forbidden", "text/plain")
    assert polite(tmp_path).get(website.url("/page"), max_bytes=100).body == b"ok"

    website.routes["/robots.txt"] = Answer(500, b"oops", "text/plain")
    with pytest.raises(FetchError) as refused:
        polite(tmp_path).get(website.url("/page"), max_bytes=100)
    assert refused.value.code is FetchErrorCode.ROBOTS
    assert "could not be read" in refused.value.message


def test_robots_wildcards_end_anchors_and_the_longest_rule_are_obeyed(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve(
        "/robots.txt",
        b"User-agent: *\n"
        b"Disallow: /gallery/\n"
        b"Allow: /gallery/public/\n"
        b"Disallow: /*.jpg$\n"
        b"Disallow: /*?session=\n"
        b"Allow: /gallery/public/*.jpg$\n",
        "text/plain",
    )
    paths = (
        "/media/a.jpg",
        "/media/a.jpg?size=large",
        "/media/a.jpeg",
        "/gallery/1",
        "/gallery/public/1",
        "/gallery/public/b.jpg",
        "/feed?session=abc",
        "/feed?page=2",
    )
    for path in paths:
        website.serve(path.split("?")[0], b"x", "image/jpeg")
    web = polite(tmp_path)
    fetched = {}
    for path in paths:
        try:
            fetched[path] = web.get(website.url(path), max_bytes=100).body == b"x"
        except FetchError as exc:
            assert exc.code is FetchErrorCode.ROBOTS, exc
            fetched[path] = False
    assert fetched == {
        "/media/a.jpg": False,  # wildcard and $ anchor
        "/media/a.jpg?size=large": True,  # does not end in .jpg
        "/media/a.jpeg": True,
        "/gallery/1": False,
        "/gallery/public/1": True,  # the longer Allow beats the shorter Disallow
        "/gallery/public/b.jpg": True,  # the longest rule, an Allow with wildcard, wins
        "/feed?session=abc": False,  # a wildcard inside the rule, matched against the query
        "/feed?page=2": True,
    }
    assert web.log.robots_refusals == 3
    assert [r.path for r in website.hits("/media/a.jpg")] == ["/media/a.jpg?size=large"]
    assert website.hits("/gallery/1") == []


def test_robots_rules_for_our_agent_win_over_the_wildcard_group(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve(
        "/robots.txt",
        b"User-agent: *\nDisallow: /\n\nUser-agent: idolguard\nDisallow: /*.mp4$\n",
        "text/plain",
    )
    website.serve("/page", b"ok", "text/html")
    web = polite(tmp_path)
    assert web.get(website.url("/page"), max_bytes=100).body == b"ok"
    with pytest.raises(FetchError) as refused:
        web.get(website.url("/clip.mp4"), max_bytes=100)
    assert refused.value.code is FetchErrorCode.ROBOTS


def test_robots_can_be_switched_off(website: ChangingSite, tmp_path: Path) -> None:
    website.serve("/robots.txt", b"User-agent: *\nDisallow: /\n", "text/plain")
    website.serve("/page", b"ok", "text/html")
    web = polite(tmp_path, replace(FAST, obey_robots=False))
    assert web.get(website.url("/page"), max_bytes=100).body == b"ok"
    assert website.hits("/robots.txt") == []


def test_requests_to_one_host_are_spaced_and_crawl_delay_raises_the_gap(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/robots.txt", b"User-agent: *\nCrawl-delay: 0.6\n", "text/plain")
    for n in range(3):
        website.serve(f"/p{n}", b"x", "text/html")
    web = polite(tmp_path, replace(FAST, per_host_delay_seconds=0.1))
    for n in range(3):
        web.get(website.url(f"/p{n}"), max_bytes=100)
    times = [r.at for r in website.log if r.path.startswith("/p")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 2
    assert min(gaps) >= 0.55  # the robots.txt Crawl-delay (a fraction), not the 0.1 s default


def test_per_host_concurrency_is_bounded_across_threads(
    website: ChangingSite, tmp_path: Path
) -> None:
    for n in range(6):
        website.routes[f"/slow{n}"] = Answer(200, b"x", "text/html", delay=0.15)
    web = polite(tmp_path, replace(FAST, per_host_concurrency=2, concurrency=8))
    threads = [
        threading.Thread(target=web.get, args=(website.url(f"/slow{n}"),), kwargs={"max_bytes": 9})
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(website.hits("/slow0")) == 1
    assert website.max_active == 2


def test_server_errors_are_retried_with_backoff_then_succeed(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/feed", b"<rss/>", "application/rss+xml")
    website.queue("/feed", Answer(503, b"busy", "text/plain"), Answer(500, b"oops", "text/plain"))
    slept: list[float] = []
    web = polite(tmp_path, sleep=slept.append)
    assert web.get(website.url("/feed"), max_bytes=100).body == b"<rss/>"
    assert len(website.hits("/feed")) == 3
    assert len(slept) == 2 and slept[1] > slept[0] >= 0.05  # exponential
    assert web.log.retries == 2


def test_retries_are_bounded_and_404_is_not_retried(website: ChangingSite, tmp_path: Path) -> None:
    website.routes["/down"] = Answer(502, b"bad gateway", "text/plain")
    web = polite(tmp_path, sleep=lambda _s: None)
    with pytest.raises(FetchError) as failed:
        web.get(website.url("/down"), max_bytes=100)
    assert failed.value.status == 502
    assert len(website.hits("/down")) == 1 + FAST.retries
    with pytest.raises(FetchError):
        web.get(website.url("/missing"), max_bytes=100)
    assert len(website.hits("/missing")) == 1


def test_retry_after_is_honoured_and_a_long_one_closes_the_host(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/a", b"ok", "text/html")
    website.queue("/a", Answer(429, b"slow down", "text/plain", headers={"Retry-After": "3"}))
    slept: list[float] = []
    web = polite(tmp_path, sleep=slept.append)
    assert web.get(website.url("/a"), max_bytes=100).body == b"ok"
    assert slept and slept[0] >= 3.0

    website.queue("/a", Answer(429, b"go away", "text/plain", headers={"Retry-After": "7200"}))
    with pytest.raises(FetchError):
        web.get(website.url("/a"), max_bytes=100)
    asked = len(website.hits("/a"))
    with pytest.raises(FetchError) as closed:
        web.get(website.url("/a"), max_bytes=100)
    assert "Retry-After" in closed.value.message
    assert len(website.hits("/a")) == asked  # the host was left alone


def test_timeouts_are_retried_then_reported(website: ChangingSite, tmp_path: Path) -> None:
    website.routes["/slow"] = Answer(200, b"late", "text/html", delay=1.0)
    web = polite(tmp_path, replace(FAST, timeout=0.3, retries=1), sleep=lambda _s: None)
    with pytest.raises(FetchError) as failed:
        web.get(website.url("/slow"), max_bytes=100)
    assert failed.value.code is FetchErrorCode.TIMEOUT
    assert len(website.hits("/slow")) == 2


def test_size_and_type_are_checked_before_the_body_is_read(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/big", b"x" * 50_000, "application/rss+xml")
    website.routes["/stream"] = Answer(
        200, b"y" * 50_000, "application/rss+xml", declare_length=False
    )
    website.serve("/zip", b"PK\x03\x04", "application/zip")
    web = polite(tmp_path)
    with pytest.raises(FetchError) as big:
        web.get(website.url("/big"), max_bytes=10_000)
    assert big.value.code is FetchErrorCode.TOO_LARGE and "50,000 bytes" in big.value.message
    with pytest.raises(FetchError) as streamed:
        web.get(website.url("/stream"), max_bytes=10_000)
    assert streamed.value.code is FetchErrorCode.TOO_LARGE
    with pytest.raises(FetchError) as typed:
        web.get(website.url("/zip"), max_bytes=10_000, accept=("application/rss+xml",))
    assert typed.value.code is FetchErrorCode.WRONG_TYPE
    assert "application/zip" in typed.value.message
    assert not list((tmp_path / "work").rglob("*.*"))  # nothing half-downloaded is left


def test_redirects_are_bounded(website: ChangingSite, tmp_path: Path) -> None:
    for n in range(10):
        website.routes[f"/r{n}"] = Answer(
            302, b"", "text/plain", headers={"Location": f"/r{n + 1}"}
        )
    web = polite(tmp_path, replace(FAST, max_redirects=3))
    with pytest.raises(FetchError) as looped:
        web.get(website.url("/r0"), max_bytes=100)
    assert looped.value.code is FetchErrorCode.TOO_MANY_REDIRECTS
    assert len(website.hits("/r0")) == 1 and not website.hits("/r5")


def test_private_addresses_are_refused_unless_configured(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.serve("/page", b"ok", "text/html")
    web = polite(tmp_path, replace(FAST, allow_private=False))
    with pytest.raises(FetchError) as blocked:
        web.get(website.url("/page"), max_bytes=100)
    assert blocked.value.code is FetchErrorCode.BLOCKED_ADDRESS
    assert website.requests == []


def test_conditional_requests_send_validators_and_report_not_modified(
    website: ChangingSite, tmp_path: Path
) -> None:
    website.routes["/feed"] = Answer(
        200, b"<rss/>", "application/rss+xml", headers={"ETag": '"v1"'}
    )
    web = polite(tmp_path)
    first = web.get(website.url("/feed"), max_bytes=100)
    assert first.etag == '"v1"' and not first.not_modified
    website.queue("/feed", Answer(304, b"", "application/rss+xml"))
    second = web.get(website.url("/feed"), max_bytes=100, etag=first.etag)
    assert second.not_modified and second.body == b"" and second.etag == '"v1"'
    assert website.hits("/feed")[-1].headers.get("If-None-Match") == '"v1"'


def test_credentials_go_only_to_their_host_and_only_over_https(
    website: ChangingSite, tmp_path: Path
) -> None:
    creds = tmp_path / "creds.toml"
    creds.write_text('["localhost"]\nCookie = "session=abc"\n')
    loaded = load_credentials(str(creds))
    assert loaded == {"localhost": {"Cookie": "session=abc"}}
    website.serve("/page", b"ok", "text/html")
    web = polite(tmp_path, credentials=loaded)
    web.get(website.url("/page"), max_bytes=100)
    # Plain HTTP: a cookie sent here would be readable by anyone on the path.
    assert "Cookie" not in website.hits("/page")[-1].headers
    assert web._credentials_for("https://localhost/x") == {"Cookie": "session=abc"}
    assert web._credentials_for("https://other.example/x") == {}


def test_broken_credentials_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "creds.toml"
    bad.write_text('["host"]\nCookie = 3\n')
    with pytest.raises(CredentialsError, match="must be a table"):
        load_credentials(str(bad))
    with pytest.raises(CredentialsError, match="cannot read"):
        load_credentials(str(tmp_path / "missing.toml"))


def test_host_gate_spaces_starts_with_an_injected_clock() -> None:
    now = [100.0]
    gate = HostGate(per_host_delay=5.0, per_host_concurrency=1, concurrency=1, clock=lambda: now[0])
    with gate.slot("a.example"):
        pass
    gate.close_for("a.example", 60)
    assert gate.closed_for("a.example") == pytest.approx(60)
    now[0] += 61
    assert gate.closed_for("a.example") == 0
