"""URL capture against a real HTTP server on loopback: provenance, fallbacks, and refusals."""

from __future__ import annotations

import hashlib
import io
import pickle
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from idolguard.media import MediaLimits, MediaType, sniff
from idolguard.sources import fetch as fetch_module
from idolguard.sources.capture import Capture, capture_url
from idolguard.sources.fetch import Fetched, FetchError, FetchErrorCode, Hop, fetch

LIMITS = MediaLimits()


# --------------------------------------------------------------------------- test media


def _png() -> bytes:
    gradient = Image.linear_gradient("L").resize((64, 48)).convert("RGB")
    buffer = io.BytesIO()
    gradient.save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    image = Image.new("RGB", (80, 60), (30, 90, 160))
    ImageDraw.Draw(image).ellipse((10, 10, 60, 50), fill=(240, 200, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _mp4() -> bytes | None:
    """Five flat grey frames, or ``None`` where PyAV cannot encode MPEG-4 here."""
    try:
        import av

        buffer = io.BytesIO()
        with av.open(buffer, mode="w", format="mp4") as container:
            stream = container.add_stream("mpeg4", rate=10)
            stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
            for i in range(5):
                pixels = np.full((32, 32, 3), 40 * i, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return buffer.getvalue()
    except Exception:
        return None


PNG = _png()
JPEG = _jpeg()
MP4 = _mp4()


# --------------------------------------------------------------------------- the server


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Server:
    port: int
    routes: dict[str, Route]
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    content_type: str | None = "text/plain",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(status: int, location: str) -> Route:
    return lambda h: _reply(h, status, headers={"Location": location})


def _html(body: str, charset: str | None = "utf-8") -> Route:
    content_type = "text/html" + (f"; charset={charset}" if charset else "")
    return lambda h: _reply(h, 200, body.encode("utf-8"), content_type)


def _stream_without_length(h: BaseHTTPRequestHandler) -> None:
    # HTTP/1.0 without Content-Length: the body ends when the connection closes.
    h.send_response(200)
    h.send_header("Content-Type", "image/png")
    h.end_headers()
    h.wfile.write(PNG[:64])
    for _ in range(40):
        h.wfile.write(b"\0" * 16_384)


def _slow(h: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)
    _reply(h, 200, PNG, "image/png")


def _login(h: BaseHTTPRequestHandler) -> None:
    _reply(h, 302, headers={"Location": "/members/photo.png", "Set-Cookie": "sid=abc123; Path=/"})


def _members_photo(h: BaseHTTPRequestHandler) -> None:
    if "sid=abc123" in (h.headers.get("Cookie") or ""):
        _reply(h, 200, PNG, "image/png")
    else:
        _reply(h, 403, b"login required")


def _needs_referer(h: BaseHTTPRequestHandler) -> None:
    # Like image hosts that refuse hotlinking: only serve when loaded from a page.
    if h.headers.get("Referer"):
        _reply(h, 200, JPEG, "image/jpeg")
    else:
        _reply(h, 403, b"no hotlinking")


def _routes(port: int) -> dict[str, Route]:
    routes: dict[str, Route] = {
        "/img.png": lambda h: _reply(
            h,
            200,
            PNG,
            "image/png",
            {
                "ETag": '"v1"',
                "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT",
                "Set-Cookie": "tracking=1",
                "X-Cache": "HIT",
                "X-Auth-Token": "secret-value",
            },
        ),
        "/photo.jpg": lambda h: _reply(h, 200, JPEG, "image/jpeg"),
        "/mislabelled": lambda h: _reply(h, 200, PNG, "text/html"),
        "/r1": _redirect(301, "/r2"),
        "/r2": _redirect(302, f"http://127.0.0.1:{port}/img.png"),  # absolute Location
        "/loop": _redirect(302, "/loop"),
        "/to-metadata": _redirect(302, "http://169.254.169.254/latest/meta-data/"),
        "/to-ftp": _redirect(302, "ftp://example.com/file"),
        "/gone": lambda h: _reply(h, 404, b"not here"),
        "/broken": lambda h: _reply(h, 500, b"oops"),
        "/text": lambda h: _reply(h, 200, b"just some text", "text/plain"),
        "/big-stream": _stream_without_length,
        "/big-declared": lambda h: _reply(h, 200, b"\0" * 300_000, "image/png"),
        "/slow": _slow,
        "/login": _login,
        "/members/photo.png": _members_photo,
        "/hotlink.jpg": _needs_referer,
        "/page": _html(
            """<!doctype html><html><head>
            <title>  Stage   video fancam </title>
            <meta property="og:image" content="/img.png">
            <meta property="og:site_name" content="Fan Board">
            <meta name="author" content="uploader_kim">
            <meta property="article:published_time" content="2025-03-01T12:00:00+09:00">
            <link rel="canonical" href="/posts/42">
            </head><body><img src="/photo.jpg" width="300"></body></html>"""
        ),
        "/fallback": _html(
            """<html><head><title>Fallback</title>
            <meta property="og:image" content="/missing.png">
            <meta name="twitter:image" content="/text">
            </head><body>
            <img src="/pixel.gif" width="1" height="1">
            <img src="/photo.jpg">
            </body></html>"""
        ),
        "/referer-page": _html('<html><body><img src="/hotlink.jpg"></body></html>'),
        "/no-media": _html("<html><head><title>Words only</title></head><body>hi</body></html>"),
        "/no-usable-media": _html(
            '<html><head><meta property="og:image" content="/gone"></head>'
            '<body><img src="/text"></body></html>'
        ),
        "/untyped-page": lambda h: _reply(
            h, 200, b'<html><head><meta property="og:image" content="/img.png">', None
        ),
        "/video-page": _html(
            """<html><head>
            <meta property="og:image" content="/img.png">
            <meta property="og:video" content="/clip.mp4">
            </head></html>"""
        ),
    }
    if MP4 is not None:
        video = MP4
        routes["/clip.mp4"] = lambda h: _reply(h, 200, video, "video/mp4")
    return routes


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    state = Server(port=0, routes={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.seen.append(Seen(path, {k.lower(): v for k, v in self.headers.items()}))
            route = state.routes.get(path)
            if route is None:
                _reply(self, 404, b"no such route")
            else:
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients hang up on purpose in the size and timeout tests

    httpd = QuietServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    state.routes = _routes(state.port)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _fetch(url: str, dest: Path, **kwargs: object) -> Fetched:
    options: dict[str, object] = {"max_bytes": 10_000_000, "allow_private_addresses": True}
    options.update(kwargs)
    return fetch(url, dest, **options)  # type: ignore[arg-type]


def _capture(url: str, dest: Path, **kwargs: object) -> Capture:
    options: dict[str, object] = {"limits": LIMITS, "allow_private_addresses": True}
    options.update(kwargs)
    return capture_url(url, dest, **options)  # type: ignore[arg-type]


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- fetch


def test_direct_image_is_saved_with_its_provenance(server: Server, tmp_path: Path) -> None:
    before = time.time()
    got = _fetch(server.url("/img.png"), tmp_path)

    assert got.requested_url == got.final_url == server.url("/img.png")
    assert got.hops == [Hop(server.url("/img.png"), 200)]
    assert got.status == 200
    assert got.content_type == "image/png"
    assert got.path.parent == tmp_path and got.path.read_bytes() == PNG
    assert got.path.suffix == ".png"
    assert got.size_bytes == len(PNG)
    assert got.sha256 == hashlib.sha256(PNG).hexdigest()
    assert got.fetched_at.tzinfo == UTC
    assert before - 1 <= got.fetched_at.timestamp() <= time.time() + 1
    # Provenance headers are kept; cookies and secret-looking headers are not.
    assert got.headers["etag"] == '"v1"'
    assert got.headers["last-modified"] == "Tue, 01 Apr 2025 10:00:00 GMT"
    assert got.headers["content-length"] == str(len(PNG))
    assert got.headers["x-cache"] == "HIT"
    assert "server" in got.headers and "date" in got.headers
    assert "set-cookie" not in got.headers and "x-auth-token" not in got.headers
    seen = server.requests_to("/img.png")[-1]
    assert seen.headers["user-agent"].startswith("IdolGuard-evidence/")


def test_redirect_chain_records_every_hop(server: Server, tmp_path: Path) -> None:
    got = _fetch(server.url("/r1"), tmp_path)

    assert got.requested_url == server.url("/r1")
    assert got.final_url == server.url("/img.png")
    assert got.hops == [
        Hop(server.url("/r1"), 301),
        Hop(server.url("/r2"), 302),
        Hop(server.url("/img.png"), 200),
    ]
    assert got.path.read_bytes() == PNG
    assert _files(tmp_path) == [got.path]  # redirect bodies are not saved


def test_cookies_set_on_a_redirect_are_sent_to_the_next_hop_under_the_host_name(
    server: Server, tmp_path: Path
) -> None:
    got = _fetch(server.url("/login", host="localhost"), tmp_path)

    assert got.final_url == server.url("/members/photo.png", host="localhost")
    assert [hop.status for hop in got.hops] == [302, 200]
    # The connection went to the checked address, but Host still names the site.
    assert server.requests_to("/members/photo.png")[-1].headers["host"] == (
        f"localhost:{server.port}"
    )


def test_caller_client_is_used_and_left_open(server: Server, tmp_path: Path) -> None:
    with httpx.Client() as client:
        got = _fetch(server.url("/photo.jpg"), tmp_path, client=client)
        assert got.path.read_bytes() == JPEG
        assert not client.is_closed


def test_http_error_keeps_status_and_hops(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/gone"), tmp_path)
    assert info.value.code is FetchErrorCode.HTTP_ERROR
    assert str(info.value.code) == "http_error"
    assert info.value.status == 404
    assert info.value.hops == [Hop(server.url("/gone"), 404)]
    assert server.url("/gone") in str(info.value) and "404" in str(info.value)
    assert _files(tmp_path) == []

    with pytest.raises(FetchError) as info:
        _fetch(server.url("/broken"), tmp_path)
    assert info.value.code == "http_error" and info.value.status == 500


def test_streamed_body_over_the_cap_is_refused_and_removed(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/big-stream"), tmp_path, max_bytes=100_000)
    assert info.value.code == "too_large"
    assert server.url("/big-stream") in info.value.message
    assert _files(tmp_path) == []


def test_declared_length_over_the_cap_is_refused_before_reading(
    server: Server, tmp_path: Path
) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/big-declared"), tmp_path, max_bytes=100_000)
    assert info.value.code == "too_large"
    assert "300,000" in info.value.message
    assert _files(tmp_path) == []


def test_body_exactly_at_the_cap_is_accepted(server: Server, tmp_path: Path) -> None:
    got = _fetch(server.url("/img.png"), tmp_path, max_bytes=len(PNG))
    assert got.size_bytes == len(PNG)


def test_closed_port_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.png"
    with pytest.raises(FetchError) as info:
        _fetch(url, tmp_path)
    assert info.value.code == "unreachable"
    assert url in info.value.message


def test_unresolvable_host_is_unreachable(tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _fetch("http://no-such-host.invalid/x.png", tmp_path)
    assert info.value.code == "unreachable"


def test_slow_server_times_out(server: Server, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/slow"), tmp_path, timeout=0.3)
    assert info.value.code == "timeout"
    assert server.url("/slow") in info.value.message
    assert time.monotonic() - started < 1.2
    assert _files(tmp_path) == []


def test_redirect_loop_stops(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/loop"), tmp_path, max_redirects=4)
    assert info.value.code == "too_many_redirects"
    assert len(info.value.hops) == 5
    assert all(hop == Hop(server.url("/loop"), 302) for hop in info.value.hops)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file.jpg",
        "http://user:pw@example.com/a.jpg",
        "https://token@example.com/a.jpg",
        "javascript:alert(1)",
        "//example.com/no-scheme.jpg",
        "http://",
        "",
        "http://[::1/",
    ],
)
def test_bad_urls_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        fetch(url, tmp_path, max_bytes=1000)
    assert info.value.code == "bad_url"
    assert "pw@" not in info.value.message  # the password is never echoed
    assert _files(tmp_path) == []


def test_redirect_to_another_scheme_is_refused(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _fetch(server.url("/to-ftp"), tmp_path)
    assert info.value.code == "bad_url"
    assert info.value.hops == [Hop(server.url("/to-ftp"), 302)]


def test_loopback_is_blocked_by_default(server: Server, tmp_path: Path) -> None:
    before = len(server.seen)
    for url in (server.url("/img.png"), server.url("/img.png", host="localhost")):
        with pytest.raises(FetchError) as info:
            fetch(url, tmp_path, max_bytes=10_000_000)
        assert info.value.code == "blocked_address"
        assert "loopback" in info.value.message
    assert len(server.seen) == before  # refused before connecting


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://2130706433/",  # 127.0.0.1 written as one number
    ],
)
def test_private_addresses_are_blocked(url: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        fetch(url, tmp_path, max_bytes=1000, timeout=1)
    assert info.value.code == "blocked_address"


def test_each_redirect_hop_is_checked(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend only the test server's loopback address is public, so the check is on.
    original = fetch_module._blocked_reason
    monkeypatch.setattr(
        fetch_module, "_blocked_reason", lambda ip: None if str(ip) == "127.0.0.1" else original(ip)
    )
    with pytest.raises(FetchError) as info:
        fetch(server.url("/to-metadata"), tmp_path, max_bytes=1000)
    assert info.value.code == "blocked_address"
    assert "169.254.169.254" in info.value.message
    assert info.value.hops == [Hop(server.url("/to-metadata"), 302)]


def test_fetch_error_survives_pickling() -> None:
    error = FetchError("http_error", "x answered 404", url="http://x/", status=404, hops=[])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.url, copy.status) == (
        FetchErrorCode.HTTP_ERROR,
        "x answered 404",
        "http://x/",
        404,
    )


# --------------------------------------------------------------------------- capture_url


def test_capture_direct_image(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/photo.jpg"), tmp_path)
    assert cap.page is None and cap.page_info is None
    assert cap.media_url == server.url("/photo.jpg")
    assert cap.media.path.read_bytes() == JPEG


def test_capture_trusts_bytes_over_content_type(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/mislabelled"), tmp_path)
    assert cap.page is None
    assert sniff(cap.media.path, LIMITS).format == "png"


def test_capture_page_reads_metadata_and_fetches_og_image(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/page"), tmp_path)

    assert cap.page is not None and cap.page_info is not None
    info = cap.page_info
    assert info.title == "Stage video fancam"
    assert info.canonical_url == server.url("/posts/42")
    assert info.site_name == "Fan Board"
    assert info.uploader == "uploader_kim"
    assert info.published_at == "2025-03-01T12:00:00+09:00"
    assert info.media_urls == [server.url("/img.png"), server.url("/photo.jpg")]
    assert cap.media_url == server.url("/img.png")
    assert cap.media.sha256 == hashlib.sha256(PNG).hexdigest()
    assert cap.page.path.suffix == ".html"
    assert b"Stage" in cap.page.path.read_bytes()
    assert sorted(_files(tmp_path)) == sorted([cap.page.path, cap.media.path])
    # The media was requested the way a browser would, from the page.
    assert server.requests_to("/img.png")[-1].headers["referer"] == server.url("/page")


def test_capture_falls_back_when_the_first_media_fails(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/fallback"), tmp_path)

    assert cap.page_info is not None
    # og:image 404s, twitter:image is text, the 1x1 pixel is skipped: the <img> wins.
    assert server.url("/pixel.gif") not in cap.page_info.media_urls
    assert cap.media_url == server.url("/photo.jpg")
    assert cap.media.path.read_bytes() == JPEG
    assert cap.page is not None
    assert sorted(_files(tmp_path)) == sorted([cap.page.path, cap.media.path])


def test_capture_sends_referer_for_hotlink_protected_media(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/referer-page"), tmp_path)
    assert cap.media_url == server.url("/hotlink.jpg")


def test_capture_recognises_untyped_html(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/untyped-page"), tmp_path)
    assert cap.page is not None
    assert cap.media_url == server.url("/img.png")


@pytest.mark.skipif(MP4 is None, reason="PyAV cannot encode MPEG-4 here")
def test_capture_prefers_video_over_image(server: Server, tmp_path: Path) -> None:
    cap = _capture(server.url("/video-page"), tmp_path)
    assert cap.media_url == server.url("/clip.mp4")
    assert sniff(cap.media.path, LIMITS).media_type == MediaType.VIDEO


def test_page_without_media_is_not_media_and_leaves_nothing(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _capture(server.url("/no-media"), tmp_path)
    assert info.value.code == "not_media"
    assert server.url("/no-media") in info.value.message
    assert _files(tmp_path) == []


def test_page_whose_media_all_fail_lists_what_was_tried(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _capture(server.url("/no-usable-media"), tmp_path)
    assert info.value.code == "not_media"
    assert server.url("/gone") in info.value.message and "http_error" in info.value.message
    assert server.url("/text") in info.value.message
    assert _files(tmp_path) == []


def test_plain_text_is_not_media(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _capture(server.url("/text"), tmp_path)
    assert info.value.code == "not_media"
    assert _files(tmp_path) == []


def test_capture_respects_the_media_size_limit(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        _capture(server.url("/page"), tmp_path, limits=MediaLimits(max_file_bytes=100))
    assert info.value.code == "not_media"
    assert "too_large" in info.value.message
    assert _files(tmp_path) == []


def test_capture_refuses_loopback_by_default(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as info:
        capture_url(server.url("/page"), tmp_path, limits=LIMITS)
    assert info.value.code == "blocked_address"
