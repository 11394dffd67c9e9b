"""Liveness checks against a loopback server whose answers change over time, like a platform."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from idolguard.media.types import MediaLimits
from idolguard.notices.liveness import (
    RATE_LIMIT_DEFAULT_RETRY_SECONDS,
    Comparison,
    HostPacer,
    Outcome,
    UrlCheck,
    check_url,
)
from idolguard.sources.fetch import Hop

LIMITS = MediaLimits()


# --------------------------------------------------------------------------- test media


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _gradient() -> bytes:
    return _png_bytes(Image.linear_gradient("L").resize((64, 48)).convert("RGB"))


def _shapes(colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (64, 48), (20, 40, 80))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 30, 40), fill=colour)
    draw.ellipse((34, 10, 58, 34), fill=(250, 250, 250))
    return _png_bytes(image)


REPORTED = _gradient()  # the content a notice was sent about
NEAR_COPY = _png_bytes(Image.linear_gradient("L").resize((60, 45)).convert("RGB"))
OTHER = _shapes((200, 60, 60))  # what the URL serves after the post was replaced
LOGO = _shapes((60, 200, 60))  # a site logo on login and front pages


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeComparer:
    """Plays the caller's PDQ comparison, keyed by SHA-256; records what it was given."""

    def __init__(self) -> None:
        self.same = {_sha(REPORTED)}
        self.similar = {_sha(NEAR_COPY)}
        self.calls: list[tuple[Path, str, bytes]] = []

    def __call__(self, path: Path, sha256: str) -> tuple[Comparison, str]:
        self.calls.append((path, sha256, path.read_bytes()))
        if sha256 in self.same:
            return Comparison.SAME, "sha256 match"
        if sha256 in self.similar:
            return Comparison.SIMILAR, "PDQ distance 6"
        return Comparison.DIFFERENT, "PDQ distance 120"


# --------------------------------------------------------------------------- the server


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


def png(data: bytes) -> Answer:
    return Answer(200, {"Content-Type": "image/png"}, data)


def html(body: str) -> Answer:
    return Answer(200, {"Content-Type": "text/html; charset=utf-8"}, body.encode())


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, {"Location": location})


def page_with(image_path: str | None) -> Answer:
    meta = f'<meta property="og:image" content="{image_path}">' if image_path else ""
    return html(f"<!doctype html><html><head><title>A post</title>{meta}</head><body>hi</body>")


LOGIN_PAGE = html('<html><head><title>Log in</title></head><body><form method="post"></form>')


@dataclass
class Platform:
    """A loopback site; ``routes`` (path -> answer) may be changed between checks."""

    port: int = 0
    routes: dict[str, Answer] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def _platform() -> Iterator[Platform]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.requests.append(path)
            answer = state.routes.get(path, Answer(404, {}, b"no such page"))
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            headers = {"Content-Type": "text/plain", **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the timeout test hangs up on purpose

    httpd = QuietServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def site(_platform: Platform) -> Platform:
    """The shared server, with no routes and no requests seen: each test sets up its own."""
    _platform.routes.clear()
    _platform.requests.clear()
    return _platform


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "checks"


def check(
    url: str,
    dest: Path,
    compare: FakeComparer | None = None,
    *,
    allow_private_addresses: bool = True,
    timeout: float = 5.0,
    keep_media: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> UrlCheck:
    """Check with loopback allowed, and insist that nothing is left behind unless kept."""
    result = check_url(
        url,
        compare or FakeComparer(),
        dest_dir=dest,
        limits=LIMITS,
        timeout=timeout,
        allow_private_addresses=allow_private_addresses,
        keep_media=keep_media,
        clock=clock or (lambda: datetime.now(UTC)),
    )
    kept = [result.media_path] if result.media_path is not None else []
    assert _files(dest) == kept
    return result


# --------------------------------------------------------------------------- live / removed


def test_image_url_live_then_404(site: Platform, dest: Path) -> None:
    site.routes["/img.png"] = png(REPORTED)
    compare = FakeComparer()

    live = check(site.url("/img.png"), dest, compare)

    assert live.outcome is Outcome.LIVE and live.reason == "same_media"
    assert "sha256 match" in live.detail
    assert live.http_status == 200
    assert live.final_url == site.url("/img.png")
    assert live.hops == (Hop(site.url("/img.png"), 200),)
    assert live.media_url == site.url("/img.png")
    assert live.media_sha256 == _sha(REPORTED)
    assert live.comparison is Comparison.SAME
    assert live.media_path is None and live.retry_after_seconds is None
    # The comparer saw the real downloaded file, with its real hash.
    [(path, sha, data)] = compare.calls
    assert path.parent == dest and sha == _sha(REPORTED) and data == REPORTED

    site.routes["/img.png"] = Answer(404, body=b"not found")
    gone = check(site.url("/img.png"), dest)

    assert gone.outcome is Outcome.REMOVED and gone.reason == "http_404"
    assert gone.http_status == 404
    assert gone.hops == (Hop(site.url("/img.png"), 404),)
    assert gone.final_url == site.url("/img.png")
    assert gone.media_url is None and gone.media_sha256 is None and gone.comparison is None


def test_near_identical_copy_is_live(site: Platform, dest: Path) -> None:
    site.routes["/img.png"] = png(NEAR_COPY)

    result = check(site.url("/img.png"), dest)

    assert result.outcome is Outcome.LIVE and result.reason == "similar_media"
    assert result.comparison is Comparison.SIMILAR
    assert "PDQ distance 6" in result.detail


def test_page_live_then_no_media_then_different_media(site: Platform, dest: Path) -> None:
    post = site.url("/posts/42")
    site.routes["/posts/42"] = page_with("/img.png")
    site.routes["/img.png"] = png(REPORTED)
    site.routes["/other.png"] = png(OTHER)

    live = check(post, dest)
    assert (live.outcome, live.reason) == (Outcome.LIVE, "same_media")
    assert live.media_url == site.url("/img.png")
    assert live.final_url == post and live.http_status == 200
    assert live.hops == (Hop(post, 200),)  # the page's own hops, not the media's

    site.routes["/posts/42"] = page_with(None)
    emptied = check(post, dest)
    assert (emptied.outcome, emptied.reason) == (Outcome.REMOVED, "no_media")
    assert emptied.http_status == 200 and emptied.final_url == post

    site.routes["/posts/42"] = page_with("/other.png")
    replaced = check(post, dest)
    assert (replaced.outcome, replaced.reason) == (Outcome.REMOVED, "different_media")
    assert replaced.comparison is Comparison.DIFFERENT
    assert replaced.media_url == site.url("/other.png")
    assert replaced.media_sha256 == _sha(OTHER)


def test_keep_media_keeps_only_the_media_file(site: Platform, dest: Path) -> None:
    site.routes["/posts/1"] = page_with("/img.png")
    site.routes["/img.png"] = png(REPORTED)

    result = check(site.url("/posts/1"), dest, keep_media=True)

    assert result.outcome is Outcome.LIVE
    assert result.media_path is not None
    assert _files(dest) == [result.media_path]  # the page file is gone
    assert result.media_path.read_bytes() == REPORTED


def test_keep_media_on_a_failed_check_keeps_nothing(site: Platform, dest: Path) -> None:
    site.routes["/posts/1"] = page_with(None)

    result = check(site.url("/posts/1"), dest, keep_media=True)

    assert result.reason == "no_media" and result.media_path is None


@pytest.mark.parametrize(
    ("status", "outcome", "reason"),
    [
        (410, Outcome.REMOVED, "http_410"),
        (451, Outcome.REMOVED, "http_451"),
        (500, Outcome.INCONCLUSIVE, "http_5xx"),
        (502, Outcome.INCONCLUSIVE, "http_5xx"),
        (503, Outcome.INCONCLUSIVE, "http_5xx"),
        (401, Outcome.INCONCLUSIVE, "http_401"),
        (403, Outcome.INCONCLUSIVE, "http_403"),
        (400, Outcome.INCONCLUSIVE, "http_error"),
    ],
)
def test_http_statuses(
    site: Platform, dest: Path, status: int, outcome: Outcome, reason: str
) -> None:
    site.routes["/posts/7"] = Answer(status, body=b"nope")

    result = check(site.url("/posts/7"), dest)

    assert (result.outcome, result.reason, result.http_status) == (outcome, reason, status)
    assert result.retry_after_seconds is None
    assert str(status) in result.detail


def test_rate_limited_gets_a_default_back_off(site: Platform, dest: Path) -> None:
    # The capture layer does not hand back the headers of a failed response, so the
    # server's Retry-After: 120 cannot be read; a 429 always defers by the default.
    site.routes["/posts/7"] = Answer(429, {"Retry-After": "120"}, b"slow down")

    result = check(site.url("/posts/7"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "rate_limited")
    assert result.http_status == 429
    assert result.retry_after_seconds == RATE_LIMIT_DEFAULT_RETRY_SECONDS == 3600.0


def test_linked_media_404_counts_as_removed(site: Platform, dest: Path) -> None:
    site.routes["/posts/3"] = page_with("/deleted.png")  # no route: the server answers 404

    result = check(site.url("/posts/3"), dest)

    assert (result.outcome, result.reason) == (Outcome.REMOVED, "no_media")


@pytest.mark.parametrize("status", [403, 503])
def test_linked_media_failing_otherwise_is_inconclusive(
    site: Platform, dest: Path, status: int
) -> None:
    site.routes["/posts/3"] = page_with("/cdn.png")
    site.routes["/cdn.png"] = Answer(status, body=b"busy")

    result = check(site.url("/posts/3"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "media_unavailable")
    assert result.http_status == 200  # the page itself loaded


def test_linked_media_that_is_not_media_is_inconclusive(site: Platform, dest: Path) -> None:
    site.routes["/posts/3"] = page_with("/placeholder")
    site.routes["/placeholder"] = LOGIN_PAGE

    result = check(site.url("/posts/3"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "media_unavailable")


def test_url_serving_neither_media_nor_page_is_inconclusive(site: Platform, dest: Path) -> None:
    site.routes["/img.png"] = Answer(200, {"Content-Type": "application/json"}, b'{"a": 1}')

    result = check(site.url("/img.png"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "not_media")


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    "login_path", ["/accounts/login/", "/i/flow/login", "/login.php", "/Sign-In", "/auth"]
)
def test_redirect_to_login_page_is_a_wall(site: Platform, dest: Path, login_path: str) -> None:
    site.routes["/posts/9"] = redirect(login_path + "?next=/posts/9")
    site.routes[login_path] = LOGIN_PAGE

    result = check(site.url("/posts/9"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "login_wall")
    assert result.hops[0] == Hop(site.url("/posts/9"), 302)
    assert result.hops[-1].status == 200 and len(result.hops) == 2
    assert result.final_url is not None and login_path in result.final_url
    assert result.http_status == 200


def test_login_wall_answering_an_error_is_still_a_wall(site: Platform, dest: Path) -> None:
    site.routes["/posts/9"] = redirect("/accounts/login/")
    site.routes["/accounts/login/"] = Answer(404, body=b"nope")

    result = check(site.url("/posts/9"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "login_wall")
    assert result.hops == (
        Hop(site.url("/posts/9"), 302),
        Hop(site.url("/accounts/login/"), 404),
    )
    assert result.http_status == 404


def test_login_page_showing_a_logo_is_not_removal(site: Platform, dest: Path) -> None:
    site.routes["/posts/9"] = redirect("/accounts/login/")
    site.routes["/accounts/login/"] = page_with("/logo.png")
    site.routes["/logo.png"] = png(LOGO)

    result = check(site.url("/posts/9"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "login_wall")
    assert result.comparison is Comparison.DIFFERENT


@pytest.mark.parametrize("home", [page_with(None), page_with("/logo.png")])
def test_redirect_to_front_page_is_inconclusive(site: Platform, dest: Path, home: Answer) -> None:
    site.routes["/posts/5"] = redirect("/", 301)
    site.routes["/"] = home
    site.routes["/logo.png"] = png(LOGO)

    result = check(site.url("/posts/5"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "redirected_home")
    assert result.final_url == site.url("/")


def test_the_front_page_itself_is_not_a_redirect_home(site: Platform, dest: Path) -> None:
    site.routes["/"] = redirect("/index.html")
    site.routes["/index.html"] = page_with(None)

    result = check(site.url("/"), dest)

    assert (result.outcome, result.reason) == (Outcome.REMOVED, "no_media")


def test_ordinary_redirects_are_followed(site: Platform, dest: Path) -> None:
    site.routes["/p/1"] = redirect("/p/1/", 301)
    site.routes["/p/1/"] = page_with("/img.png")
    site.routes["/img.png"] = png(REPORTED)

    live = check(site.url("/p/1"), dest)
    assert (live.outcome, live.reason) == (Outcome.LIVE, "same_media")
    assert live.final_url == site.url("/p/1/")
    assert [hop.status for hop in live.hops] == [301, 200]

    del site.routes["/p/1/"]
    gone = check(site.url("/p/1"), dest)
    assert (gone.outcome, gone.reason) == (Outcome.REMOVED, "http_404")
    assert [hop.status for hop in gone.hops] == [301, 404]


def test_redirect_loop_is_inconclusive(site: Platform, dest: Path) -> None:
    site.routes["/loop"] = redirect("/loop")

    result = check(site.url("/loop"), dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "too_many_redirects")


# --------------------------------------------------------------------------- no answer


def test_nothing_listening_is_unreachable(dest: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = check(f"http://127.0.0.1:{port}/img.png", dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "unreachable")
    assert result.http_status is None and result.hops == () and result.final_url is None


def test_slow_site_times_out(site: Platform, dest: Path) -> None:
    site.routes["/slow.png"] = Answer(200, {"Content-Type": "image/png"}, REPORTED, delay=1.0)

    result = check(site.url("/slow.png"), dest, timeout=0.3)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "timeout")


def test_private_address_is_blocked_not_removed(site: Platform, dest: Path) -> None:
    site.routes["/img.png"] = png(REPORTED)

    result = check(site.url("/img.png"), dest, allow_private_addresses=False)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "blocked_address")
    assert "private" in result.detail or "non-public" in result.detail
    assert "allow_private = true is set under [watch]" in result.detail  # the setting to change
    assert site.requests == []  # nothing was fetched


def test_bad_url_is_inconclusive(dest: Path) -> None:
    result = check("ftp://example.com/x.png", dest)

    assert (result.outcome, result.reason) == (Outcome.INCONCLUSIVE, "bad_url")


# --------------------------------------------------------------------------- contract


def test_comparer_errors_propagate_and_clean_up(site: Platform, dest: Path) -> None:
    site.routes["/posts/1"] = page_with("/img.png")
    site.routes["/img.png"] = png(REPORTED)

    def broken(path: Path, sha256: str) -> tuple[Comparison, str]:
        raise KeyError("no stored hashes")

    with pytest.raises(KeyError):
        check_url(
            site.url("/posts/1"),
            broken,
            dest_dir=dest,
            limits=LIMITS,
            allow_private_addresses=True,
            keep_media=True,
        )
    assert _files(dest) == []


def test_times_and_json(site: Platform, dest: Path) -> None:
    site.routes["/img.png"] = png(REPORTED)
    seoul = timezone(timedelta(hours=9))
    moment = datetime(2025, 5, 1, 18, 30, 0, tzinfo=seoul)

    result = check(site.url("/img.png"), dest, clock=lambda: moment)

    assert result.checked_at == moment and result.checked_at.tzinfo == UTC
    assert result.elapsed_ms >= 0
    data = json.loads(json.dumps(result.to_json()))
    assert data == {
        "url": site.url("/img.png"),
        "outcome": "live",
        "reason": "same_media",
        "detail": result.detail,
        "http_status": 200,
        "final_url": site.url("/img.png"),
        "hops": [{"url": site.url("/img.png"), "status": 200}],
        "media_url": site.url("/img.png"),
        "media_sha256": _sha(REPORTED),
        "comparison": "same",
        "checked_at": "2025-05-01T09:30:00Z",
        "elapsed_ms": result.elapsed_ms,
        "retry_after_seconds": None,
        "media_path": None,
    }


def test_naive_clock_is_refused(dest: Path) -> None:
    with pytest.raises(ValueError, match="aware"):
        check_url(
            "http://127.0.0.1:1/x",
            FakeComparer(),
            dest_dir=dest,
            limits=LIMITS,
            clock=lambda: datetime(2025, 1, 1),
        )


# --------------------------------------------------------------------------- pacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _pacer(interval: float = 5.0) -> tuple[HostPacer, FakeTime]:
    fake = FakeTime()
    return HostPacer(interval, clock=fake.clock, sleep=fake.sleep), fake


def test_pacer_spaces_requests_to_one_host() -> None:
    pacer, fake = _pacer(5.0)

    assert pacer.ready_in("https://example.com/a") == 0.0
    assert pacer.wait("https://example.com/a") == 0.0
    assert pacer.ready_in("https://EXAMPLE.com/b") == 5.0
    assert pacer.wait("https://EXAMPLE.com/b") == 5.0
    assert pacer.wait("http://example.com:8080/c") == 5.0
    assert fake.slept == [5.0, 5.0]

    fake.now += 2.0  # time spent on the request itself counts towards the interval
    assert pacer.wait("https://example.com/d") == 3.0
    fake.now += 60.0
    assert pacer.wait("https://example.com/e") == 0.0


def test_pacer_does_not_hold_up_other_hosts() -> None:
    pacer, fake = _pacer(5.0)

    assert pacer.wait("https://a.example/1") == 0.0
    assert pacer.wait("https://b.example/1") == 0.0
    assert pacer.wait("https://c.example/1") == 0.0
    assert fake.slept == []
    # URLs without a host share one key.
    assert pacer.wait("/relative") == 0.0
    assert pacer.ready_in("not a url") == 5.0


def test_pacer_defer_pushes_the_next_request() -> None:
    pacer, fake = _pacer(5.0)
    pacer.wait("https://example.com/a")

    pacer.defer("https://example.com/x", 120.0)
    assert pacer.ready_in("https://example.com/b") == 120.0
    assert pacer.ready_in("https://other.example/b") == 0.0
    # A shorter deferral does not shorten a longer one.
    pacer.defer("https://example.com/x", 10.0)
    assert pacer.ready_in("https://example.com/b") == 120.0

    fake.now += 20.0
    assert pacer.wait("https://example.com/b") == 100.0
    assert pacer.ready_in("https://example.com/c") == 5.0


def test_pacer_rejects_bad_numbers() -> None:
    with pytest.raises(ValueError):
        HostPacer(-1.0)
    pacer, _ = _pacer()
    with pytest.raises(ValueError):
        pacer.defer("https://example.com/", float("nan"))
    with pytest.raises(ValueError):
        pacer.defer("https://example.com/", -5.0)
