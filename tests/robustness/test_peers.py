"""Peers that misbehave: each gets a bounded wait and a clear, recorded outcome.

Feeds that never end or claim 10 GB, a TSA that answers garbage or hangs, an
SMTP server that drops the connection in the middle of DATA, and a web client
that sends its request one byte at a time (slow loris).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from idolguard.evidence.timestamp import TimestampClient, TimestampError
from idolguard.sources.fetch import FetchError, FetchErrorCode, fetch
from tests.tsa import LoopbackTSA
from tests.website import Answer, ChangingSite

T = TypeVar("T")
MB = 1024 * 1024


def bounded(call: Callable[[], T], seconds: float) -> tuple[T | None, BaseException | None, float]:
    """Run ``call`` in a thread; fail the test (not hang it) if it outlives ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s: the wait is not bounded"
    return outcome.get("value"), outcome.get("error"), time.monotonic() - started


# -- feeds -----------------------------------------------------------------------------------------


def _fetch(site: ChangingSite, dest: Path, **kwargs: Any) -> Callable[[], Any]:
    return lambda: fetch(
        site.url("/feed.xml"), dest, allow_private_addresses=True, timeout=2.0, **kwargs
    )


def test_endless_feed_is_stopped_by_the_size_cap(website: ChangingSite, tmp_path: Path) -> None:
    answer = Answer(body=b"<item>" + b"x" * 65536, content_type="application/rss+xml", endless=True)
    website.routes["/feed.xml"] = answer
    _, error, took = bounded(_fetch(website, tmp_path, max_bytes=2 * MB), 20)
    assert isinstance(error, FetchError) and error.code is FetchErrorCode.TOO_LARGE
    assert "larger than the limit of 2,097,152 bytes" in str(error)
    assert list(tmp_path.iterdir()) == []  # no half file left behind
    assert took < 10


def test_feed_claiming_10_gb_is_refused_before_reading(
    website: ChangingSite, tmp_path: Path
) -> None:
    answer = Answer(body=b"x" * 65536, claimed_length=10 * 1024**3, endless=True)
    website.routes["/feed.xml"] = answer
    _, error, _ = bounded(_fetch(website, tmp_path, max_bytes=2 * MB), 20)
    assert isinstance(error, FetchError) and error.code is FetchErrorCode.TOO_LARGE
    assert "10,737,418,240 bytes, above the limit" in str(error)


def test_feed_that_trickles_for_ever_is_cut_off(website: ChangingSite, tmp_path: Path) -> None:
    """A byte every 50 ms never trips the 2 s read timeout: only a deadline on the body stops it."""
    website.routes["/feed.xml"] = Answer(body=b"x", endless=True, drip=0.05)
    _, error, took = bounded(_fetch(website, tmp_path, max_bytes=10 * MB, body_timeout=1.5), 15)
    assert isinstance(error, FetchError) and error.code is FetchErrorCode.TIMEOUT
    assert "still sending after 1.5 s" in str(error)
    assert took < 6
    assert list(tmp_path.iterdir()) == []


def test_silent_feed_times_out(website: ChangingSite, tmp_path: Path) -> None:
    website.routes["/feed.xml"] = Answer(body=b"<rss/>", delay=5)
    _, error, took = bounded(_fetch(website, tmp_path, max_bytes=MB), 15)
    assert isinstance(error, FetchError) and error.code is FetchErrorCode.TIMEOUT
    assert took < 5


# -- SMTP ------------------------------------------------------------------------------------------


def test_smtp_that_drops_mid_data_is_an_unconfirmed_temporary_failure() -> None:
    from idolguard.notices.mail import MailError, send_mail
    from tests.notices.test_mail import notice
    from tests.smtp import LoopbackSMTP

    with LoopbackSMTP(drop_data=True) as server:
        _, error, took = bounded(lambda: send_mail(notice(), server.settings(), None), 20)
        assert isinstance(error, MailError), error
        assert error.unconfirmed and not error.permanent
        assert "closed the connection after the notice was sent" in str(error)
        assert "may get it twice" in str(error)
        assert server.dropped == 1 and took < 10
        server.drop_data = False  # the relay recovers: the retry goes through
        sent = send_mail(notice(), server.settings(), None)
        assert sent.accepted and len(server.messages) == 1


def test_smtp_that_goes_silent_mid_data_times_out() -> None:
    from idolguard.notices.mail import MailError, send_mail
    from tests.notices.test_mail import notice
    from tests.smtp import LoopbackSMTP

    with LoopbackSMTP(stall_data=4.0) as server:
        settings = server.settings(timeout=1.0)
        _, error, took = bounded(lambda: send_mail(notice(), settings, None), 20)
        assert isinstance(error, MailError), error
        assert error.unconfirmed and not error.permanent
        assert "stopped answering after the notice was sent" in str(error)
        assert took < 4


def test_smtp_refusing_before_data_is_not_called_unconfirmed() -> None:
    from idolguard.notices.mail import MailError, send_mail
    from tests.notices.test_mail import notice
    from tests.smtp import LoopbackSMTP

    everyone = ["abuse@video.example.net", "counsel@agency.example"]
    with LoopbackSMTP(refuse=everyone) as server:
        _, error, _ = bounded(lambda: send_mail(notice(), server.settings(), None), 20)
    assert isinstance(error, MailError) and error.permanent
    assert not error.unconfirmed and "refused every recipient" in str(error)


# -- TSA -------------------------------------------------------------------------------------------


@pytest.fixture
def bad_tsa(tsa: LoopbackTSA) -> Iterator[LoopbackTSA]:
    """The session's loopback TSA, its mode restored afterwards (other tests share it)."""
    try:
        yield tsa
    finally:
        tsa.mode = "ok"


def test_tsa_that_answers_garbage_is_a_clear_error(bad_tsa: LoopbackTSA) -> None:
    bad_tsa.mode = "garbage"
    _, error, took = bounded(lambda: TimestampClient(bad_tsa.url, timeout=2).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError) and took < 5
    assert "Traceback" not in str(error) and str(error)


def test_tsa_that_hangs_times_out(bad_tsa: LoopbackTSA) -> None:
    bad_tsa.mode = "hang"
    _, error, took = bounded(lambda: TimestampClient(bad_tsa.url, timeout=1).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError), error
    assert "did not answer within 1s" in str(error) or "timed out" in str(error), str(error)
    assert took < 4


def test_tsa_that_trickles_its_reply_is_cut_off(bad_tsa: LoopbackTSA) -> None:
    """A byte every 50 ms never trips the 1 s read timeout; the deadline on the reply does."""
    bad_tsa.mode = "drip"
    _, error, took = bounded(lambda: TimestampClient(bad_tsa.url, timeout=1).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError), error
    assert "still sending its reply after 2s" in str(error)
    assert took < 5


# -- a slow-loris web client -----------------------------------------------------------------------


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def served() -> Iterator[tuple[str, int]]:
    """The app server as ``idolguard serve`` configures it, with a 1 s header timeout."""
    import uvicorn

    from idolguard.interfaces.cli.serve import guarded_protocol, server_config

    config = server_config(
        _hello,
        host="127.0.0.1",
        port=0,
        trust_forwarded_for=False,
        http=guarded_protocol(header_timeout=1.0),
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(5)


def _closed_after(sock: socket.socket, drip: bytes | None, limit: float) -> float | None:
    """Send ``drip`` a byte every 0.2 s; seconds until the server closed, None if it never did."""
    started = time.monotonic()
    sock.settimeout(0.2)
    position = 0
    while time.monotonic() - started < limit:
        try:
            if drip and position < len(drip):
                sock.send(drip[position : position + 1])
                position += 1
            if sock.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
    return None


def test_slow_loris_client_is_disconnected(served: tuple[str, int]) -> None:
    loris = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    with socket.create_connection(served) as slow, socket.create_connection(served) as idle:
        took = _closed_after(slow, loris, limit=8)
        assert took is not None, "a client sending its headers a byte at a time was never cut off"
        assert took < 4
        assert _closed_after(idle, None, limit=8) is not None  # connected, never sent a byte
    with socket.create_connection(served, timeout=5) as normal:  # others are still served
        normal.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert b"200 OK" in normal.recv(1024)


def test_a_slow_but_complete_request_is_answered(served: tuple[str, int]) -> None:
    """The timer stops once the headers are in: a handler may take longer than it."""
    with socket.create_connection(served, timeout=5) as client:
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n":
            client.send(bytes([byte]))
        time.sleep(0.5)
        client.sendall(b"Connection: close\r\n\r\n")
        assert b"200 OK" in client.recv(1024)


def test_serve_uses_the_guarded_protocol_by_default() -> None:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from idolguard.interfaces.cli.serve import HEADER_TIMEOUT_SECONDS, server_config

    config = server_config(_hello, host="127.0.0.1", port=8000, trust_forwarded_for=False)
    assert isinstance(config.http, type) and issubclass(config.http, H11Protocol)
    assert config.http.__name__ == "GuardedH11Protocol" and HEADER_TIMEOUT_SECONDS <= 30
    assert config.server_header is False and config.proxy_headers is False
