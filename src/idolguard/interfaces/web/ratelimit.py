"""Per-client rate limits: a sliding window of recent hits for each (bucket, client) key.

Kept in memory by default: limits protect one running server from one noisy
client; they reset on restart, which is harmless, and need no database round
trip on every request. A web server of several processes (``serve --workers N``)
uses :class:`SharedRateLimiter` instead, whose hits are rows in the database
that every process counts.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from idolguard.domain.ratelimits import RateLimitExceeded, SharedRateLimits


class RateLimited(Exception):
    """Too many requests from one client in one bucket."""

    def __init__(self, bucket: str, retry_after_seconds: float) -> None:
        self.bucket = bucket
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))
        super().__init__(f"too many requests ({bucket}); try again in {self.retry_after_seconds}s")


class Limiter(Protocol):
    """What the routes call: count a hit or raise :class:`RateLimited`."""

    def hit(self, bucket: str, client: str, *, limit: int, window: float) -> None: ...

    def reset(self) -> None: ...


class SharedRateLimiter:
    """The database-held limits of a multi-process web server, raising the web's own error."""

    def __init__(self, limits: SharedRateLimits) -> None:
        self.limits = limits

    def hit(self, bucket: str, client: str, *, limit: int, window: float) -> None:
        try:
            self.limits.hit(bucket, client, limit=limit, window=window)
        except RateLimitExceeded as exc:
            raise RateLimited(exc.bucket, exc.retry_after_seconds) from None

    def reset(self) -> None:
        self.limits.reset()


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds for each key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, client: str, *, limit: int, window: float) -> None:
        """Count one hit; raise :class:`RateLimited` when the window is already full."""
        now = self.clock()
        key = (bucket, client)
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._prune(now, window)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                raise RateLimited(bucket, hits[0] + window - now)
            hits.append(now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def _prune(self, now: float, window: float) -> None:
        """Forget clients idle for a whole window, so the table cannot grow without bound."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - window]:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:  # still full: a flood of distinct clients
            self._hits.clear()
