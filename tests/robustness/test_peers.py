"""Peers that misbehave: each gets a bounded wait and a clear, recorded outcome.

Feeds that never end or claim 10 GB, a TSA that answers garbage or hangs, an
SMTP server that drops the connection in the middle of DATA, and a web client
that sends its request one byte at a time (slow loris).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


def test_tsa_that_answers_garbage_is_a_clear_error(tsa: LoopbackTSA) -> None:
    tsa.mode = "garbage"
    _, error, took = bounded(lambda: TimestampClient(tsa.url, timeout=2).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError) and took < 5
    assert "Traceback" not in str(error) and str(error)


def test_tsa_that_hangs_times_out(tsa: LoopbackTSA) -> None:
    tsa.mode = "hang"
    _, error, took = bounded(lambda: TimestampClient(tsa.url, timeout=1).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError), error
    assert "did not answer within 1s" in str(error) or "timed out" in str(error), str(error)
    assert took < 4


def test_tsa_that_trickles_its_reply_is_cut_off(tsa: LoopbackTSA) -> None:
    """A byte every 50 ms never trips the 1 s read timeout; the deadline on the reply does."""
    tsa.mode = "drip"
    _, error, took = bounded(lambda: TimestampClient(tsa.url, timeout=1).stamp(b"x" * 32), 20)
    assert isinstance(error, TimestampError), error
    assert "still sending its reply after 2s" in str(error)
    assert took < 5
