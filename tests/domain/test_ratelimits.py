"""Rate limits counted in the database hold across processes (each with its own connections)."""

from __future__ import annotations

import pytest

from idolguard.domain.ratelimits import RateLimitExceeded, SharedRateLimits
from idolguard.storage.database import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_two_processes_share_one_window_per_client(database_url: str) -> None:
    clock = Clock()
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        first, second = SharedRateLimits(first_db, clock), SharedRateLimits(second_db, clock)
        for limiter in (first, second, first):
            limiter.hit("login", "203.0.113.5", limit=3, window=60)
            clock.now += 1
        with pytest.raises(RateLimitExceeded) as caught:
            second.hit("login", "203.0.113.5", limit=3, window=60)
        assert caught.value.retry_after_seconds == 57  # the first hit leaves the window then
        second.hit("login", "203.0.113.9", limit=3, window=60)  # another client: its own window
        second.hit("reports", "203.0.113.5", limit=3, window=60)  # another bucket too
        clock.now += 57
        first.hit("login", "203.0.113.5", limit=3, window=60)  # the oldest hit has expired
        with pytest.raises(RateLimitExceeded):
            second.hit("login", "203.0.113.5", limit=3, window=60)
        first.reset()
        second.hit("login", "203.0.113.5", limit=3, window=60)
    finally:
        first_db.dispose()
        second_db.dispose()
