"""Rate limits held in the database, so that every web worker process counts together.

The web app's in-memory limiter is right for one process. ``serve --workers N``
(or N uvicorn/gunicorn workers) would give a client N windows, so N times the
allowed sign-in attempts; here a hit is a row, and every process counts the
same rows. Each hit costs three short statements (forget expired hits for the
key, count, record), which is why a single-process server keeps the in-memory
limiter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import delete, func, select

from idolguard.storage.database import Database
from idolguard.storage.models import RateLimitHit

# Hits older than this are removed whatever their bucket (the longest window is an hour).
FORGET_AFTER_SECONDS = 24 * 3600.0


class RateLimitExceeded(Exception):
    """Too many requests from one client in one bucket, across all processes."""

    def __init__(self, bucket: str, retry_after_seconds: float) -> None:
        self.bucket = bucket
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))
        super().__init__(f"too many requests ({bucket}); try again in {self.retry_after_seconds}s")


class SharedRateLimits:
    """At most ``limit`` hits per ``window`` seconds for each (bucket, client), in the database.

    The count and the new hit are written in one transaction; two processes
    counting at the very same instant may each let one more request through
    (at most one per process), which a rate limit can afford.
    """

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = database
        self.clock = clock
        self._last_sweep = 0.0

    def hit(self, bucket: str, client: str, *, limit: int, window: float) -> None:
        """Count one hit; raise :class:`RateLimitExceeded` when the window is already full."""
        now = self.clock()
        bucket, client = bucket[:64], client[:64]
        key = (RateLimitHit.bucket == bucket, RateLimitHit.client == client)
        with self.db.session() as session:
            if now - self._last_sweep > 3600:
                self._last_sweep = now
                session.execute(
                    delete(RateLimitHit).where(RateLimitHit.at <= now - FORGET_AFTER_SECONDS)
                )
            session.execute(delete(RateLimitHit).where(*key, RateLimitHit.at <= now - window))
            count, oldest = session.execute(
                select(func.count(RateLimitHit.id), func.min(RateLimitHit.at)).where(*key)
            ).one()
            if count >= limit:
                raise RateLimitExceeded(bucket, float(oldest) + window - now)
            session.add(RateLimitHit(bucket=bucket, client=client, at=now))

    def reset(self) -> None:
        with self.db.session() as session:
            session.execute(delete(RateLimitHit))
