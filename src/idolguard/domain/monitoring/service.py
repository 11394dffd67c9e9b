"""Continuous monitoring: run sources on their schedules and feed what they find to the scan.

Each run of a source is: poll the connector (with the saved cursor), then for
every entry it lists, claim the entry's key in the seen-set, fetch the media
politely, scan it, record the sighting with everything the source said about
it, open a review item when triage says so, and mark the entry done. Only when
every entry has been handled is the new cursor saved.

That order is what makes monitoring safe to kill at any moment:

* an entry is ``pending`` from the moment it is claimed; a crash leaves it
  pending and the next run finishes it (its sighting is keyed by the entry,
  so finishing twice still records one sighting);
* a ``done`` entry is never fetched again, however often it is listed again;
* a failed fetch is retried on later runs (from the entry's stored
  description, so a feed that has moved on does not lose it) until
  ``MAX_ATTEMPTS``; failures that cannot get better (not media, too large,
  refused by robots.txt) are not retried;
* the cursor moves only after the whole batch, so nothing listed is skipped.

The same content found again (another post, another source) is analysed once:
content results are cached by SHA-256, and only the sighting and the context
signals (caption text, bank matches) are new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from idolguard.clock import utcnow
from idolguard.config import Settings
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.monitoring.entries import EntryRuns, ProgressHook, _describe, _unexpected
from idolguard.domain.monitoring.views import MonitorError, RunReport, SourceQueries, SourceView
from idolguard.domain.review.triage import Triage
from idolguard.pipeline.scan import Scanner
from idolguard.sources.connectors.base import Poll, SourceError
from idolguard.sources.connectors.registry import make_connector
from idolguard.sources.fetch import FetchError
from idolguard.sources.polite import PoliteWeb
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import MonitorSource

log = logging.getLogger(__name__)

MIN_EVERY_SECONDS = 60
LEASE = timedelta(minutes=30)  # how long a watcher holds a source it is running
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


class MonitorService(SourceQueries, EntryRuns):
    """Monitored sources: their configuration, their schedules, and running them."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        triage: Triage,
        custody: CustodyLog,
        blobs: BlobStore,
        scanner: Callable[[], Scanner],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = database
        self.settings = settings
        self.triage = triage
        self.custody = custody
        self.blobs = blobs
        self._scanner = scanner
        self._clock = clock
        self._web: PoliteWeb | None = None

    # ------------------------------------------------------------ configuration
    def add(
        self,
        kind: str,
        name: str,
        options: dict[str, Any],
        *,
        actor: str,
        every_seconds: int | None = None,
    ) -> SourceView:
        """Add a source (checked by building its connector); it runs at the next ``watch``."""
        name = name.strip().lower()
        if not name or len(name) > 100 or not set(name) <= _NAME_CHARS:
            raise MonitorError(
                f"a source name is 1-100 characters of a-z, 0-9, '-', '_' and '.' (got {name!r})"
            )
        every = every_seconds or self.settings.monitor.default_every_minutes * 60
        if every < MIN_EVERY_SECONDS:
            raise MonitorError(f"a source runs at most once a minute (got every {every} s)")
        connector = make_connector(kind, options)  # SourceError names the bad option
        with self.db.session() as session:
            if session.scalar(select(MonitorSource.id).where(MonitorSource.name == name)):
                raise MonitorError(f"there is already a source named {name!r}")
            row = MonitorSource(
                name=name,
                kind=kind,
                options=connector.settings,
                every_seconds=every,
                enabled=True,
                created_by=actor,
                cursor={},
                next_run_at=self._clock(),
                failures=0,
                runs=0,
            )
            session.add(row)
            session.flush()
            self.custody.append(
                session,
                actor=actor,
                action="source",
                subject=f"source:{row.id}",
                details={
                    "event": "added",
                    "name": name,
                    "kind": kind,
                    "options": connector.settings,
                },
            )
        return self.get(name)

    def remove(self, name: str, *, actor: str) -> None:
        """Delete a source and its seen-set; its sightings stay (they are evidence)."""
        with self.db.session() as session:
            row = self._row(session, name)
            self.custody.append(
                session,
                actor=actor,
                action="source",
                subject=f"source:{row.id}",
                details={"event": "removed", "name": row.name, "kind": row.kind},
            )
            session.delete(row)

    def set_enabled(self, name: str, enabled: bool, *, actor: str) -> SourceView:
        with self.db.session() as session:
            row = self._row(session, name)
            row.enabled = enabled
            if enabled and row.next_run_at is None:
                row.next_run_at = self._clock()
            self.custody.append(
                session,
                actor=actor,
                action="source",
                subject=f"source:{row.id}",
                details={"event": "resumed" if enabled else "paused", "name": row.name},
            )
        return self.get(name)

    # ------------------------------------------------------------ running
    def due(self, now: datetime | None = None) -> list[str]:
        now = now or self._clock()
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(MonitorSource.name)
                    .where(
                        MonitorSource.enabled.is_(True),
                        MonitorSource.next_run_at.is_not(None),
                        MonitorSource.next_run_at <= now,
                    )
                    .order_by(MonitorSource.next_run_at, MonitorSource.id)
                )
            )

    def next_due_at(self) -> datetime | None:
        with self.db.session() as session:
            return session.scalar(
                select(func.min(MonitorSource.next_run_at)).where(MonitorSource.enabled.is_(True))
            )

    def run_due(
        self,
        *,
        actor: str,
        stop: Callable[[], bool] = lambda: False,
        progress: ProgressHook | None = None,
    ) -> list[RunReport]:
        """Run every due source once. Two ``watch`` processes never run the same source together."""
        reports = []
        for name in self.due():
            if stop():
                break
            if not self._lease(name):
                continue  # another watcher took it since we looked
            try:
                reports.append(self.run(name, actor=actor, stop=stop, progress=progress))
            except MonitorError:
                continue  # removed since we looked: nothing to run, nothing to release
        return reports

    def _lease(self, name: str) -> bool:
        """Claim a due source by moving its next run past the lease, atomically.

        The run's end sets the real next time; a watcher that dies mid-run
        leaves the lease, and the source is due again when it expires (its
        pending entries are finished then).
        """
        now = self._clock()
        with self.db.session() as session:
            result = session.execute(
                update(MonitorSource)
                .where(
                    MonitorSource.name == name,
                    MonitorSource.enabled.is_(True),
                    MonitorSource.next_run_at <= now,
                )
                .values(next_run_at=now + LEASE)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def run(
        self,
        name: str,
        *,
        actor: str,
        stop: Callable[[], bool] = lambda: False,
        progress: ProgressHook | None = None,
    ) -> RunReport:
        """Run one source now, whatever its schedule, and reschedule it.

        Whatever goes wrong inside the run ends here, as the run's ``error``
        and the source's ``last_error``, with the source rescheduled: an
        unexpected error must neither kill ``watch`` (which goes on with the
        other sources) nor leave the source claimed until its lease runs out.
        Only an interrupt (a second Ctrl-C) goes through, after releasing it.
        """
        report = RunReport(source=name, started_at=self._clock())
        with self.db.session() as session:
            row = self._row(session, name)
            source_id, kind, options = row.id, row.kind, dict(row.options)
            cursor, every = dict(row.cursor or {}), row.every_seconds
            row.last_run_at = report.started_at
        web = self.web()
        before = (web.log.requests, web.log.retries, web.log.robots_refusals)
        try:
            self._run_steps(
                source_id, name, kind, options, cursor, every, actor, report, stop, progress
            )
        except Exception as exc:
            log.exception("source %s: the run failed", name)
            self._failed_run(source_id, every, _unexpected(exc), report)
        except BaseException:
            self._release(source_id)
            raise
        return self._tally(report, web, before)

    def _run_steps(
        self,
        source_id: int,
        name: str,
        kind: str,
        options: dict[str, Any],
        cursor: dict[str, Any],
        every: int,
        actor: str,
        report: RunReport,
        stop: Callable[[], bool],
        progress: ProgressHook | None,
    ) -> None:
        """Poll, claim, fetch and scan, save the cursor; a failed poll backs the source off."""
        try:
            poll = make_connector(kind, options).poll(cursor, self.web())
        except (FetchError, SourceError, OSError) as exc:
            self._failed_run(source_id, every, _describe(exc), report)
            return
        report.listed = len(poll.found)
        report.warnings.extend(poll.warnings)
        work = self._claim(source_id, poll.found, report)
        self._process(source_id, name, kind, work, actor, report, stop, progress)
        self._finish_run(source_id, every, poll, report)

    def _finish_run(self, source_id: int, every: int, poll: Poll, report: RunReport) -> None:
        now = self._clock()
        with self.db.session() as session:
            row = session.get(MonitorSource, source_id)
            if row is None:
                return
            row.runs += 1
            if report.stopped:
                row.next_run_at = now  # keep the old cursor and run again at the next start
                return
            row.cursor = dict(poll.cursor)
            report.cursor_saved = True
            row.failures = 0
            row.last_error = None
            row.last_success_at = now
            row.next_run_at = report.next_run_at = now + timedelta(seconds=every)

    def _failed_run(self, source_id: int, every: int, error: str, report: RunReport) -> None:
        """The poll failed: keep the cursor, back off (doubling, capped), say why."""
        report.error = error
        now = self._clock()
        cap = self.settings.monitor.max_failure_backoff_minutes * 60
        with self.db.session() as session:
            row = session.get(MonitorSource, source_id)
            if row is None:
                return
            row.runs += 1
            row.failures += 1
            row.last_error = error
            delay = min(every * 2 ** min(row.failures, 10), max(cap, every))
            row.next_run_at = report.next_run_at = now + timedelta(seconds=delay)

    def _release(self, source_id: int) -> None:
        """Make an interrupted run's source due again now, rather than when its lease expires."""
        with self.db.session() as session:
            row = session.get(MonitorSource, source_id)
            if row is not None and row.enabled:
                row.next_run_at = self._clock()

    def _tally(self, report: RunReport, web: PoliteWeb, before: tuple[int, int, int]) -> RunReport:
        report.requests = web.log.requests - before[0]
        report.retries = web.log.retries - before[1]
        report.robots_refusals = web.log.robots_refusals - before[2]
        return report


__all__ = ["MonitorService"]
