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

import contextlib
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from idolguard.clock import utc_iso, utcnow
from idolguard.config import Settings
from idolguard.domain.custody import CustodyLog
from idolguard.domain.intake import capture_source, fetch_record
from idolguard.domain.triage import Triage
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.scan import ScanInput, Scanner
from idolguard.sources.connectors.base import Found, Poll, SourceError
from idolguard.sources.connectors.registry import make_connector
from idolguard.sources.polite import MEDIA_TYPES, PoliteWeb, load_credentials
from idolguard.sources.web import FetchError, FetchErrorCode, platform_for
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import (
    AnalysisResult,
    Artist,
    Item,
    MonitorEntry,
    MonitorSource,
    Sighting,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # tries per entry, across runs, before it is left as failed
MIN_EVERY_SECONDS = 60
LEASE = timedelta(minutes=30)  # how long a watcher holds a source it is running
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
# Failures that another try cannot fix: not retried.
_PERMANENT = frozenset(
    {
        FetchErrorCode.BAD_URL,
        FetchErrorCode.BLOCKED_ADDRESS,
        FetchErrorCode.TOO_LARGE,
        FetchErrorCode.NOT_MEDIA,
        FetchErrorCode.WRONG_TYPE,
        FetchErrorCode.ROBOTS,
        FetchErrorCode.TOO_MANY_REDIRECTS,
    }
)
_GONE_STATUSES = frozenset({404, 410, 451})


class MonitorError(ValueError):
    """A source request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    kind: str
    options: dict[str, Any]
    every_seconds: int
    enabled: bool
    created_by: str
    created_at: datetime
    cursor: dict[str, Any]
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    runs: int
    entries: dict[str, int]  # by state
    sightings: int


@dataclass(frozen=True)
class EntryView:
    id: int
    key: str
    media_url: str | None
    state: str
    attempts: int
    media_sha256: str | None
    item_id: int | None
    error: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    times_listed: int


@dataclass
class RunReport:
    """What one run of one source did; ``error`` is set when the poll itself failed."""

    source: str
    started_at: datetime
    listed: int = 0
    new: int = 0
    already_seen: int = 0
    retried: int = 0
    processed: int = 0
    failed: int = 0
    opened: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per entry, first few
    error: str | None = None
    stopped: bool = False
    cursor_saved: bool = False
    requests: int = 0
    retries: int = 0
    robots_refusals: int = 0
    next_run_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["started_at"] = utc_iso(self.started_at)
        data["next_run_at"] = utc_iso(self.next_run_at) if self.next_run_at else None
        return data


@dataclass
class _Work:
    """One entry on its way through a run: claimed, then fetched, then scanned."""

    entry_id: int
    found: Found
    path: Path | None = None
    scratch: Path | None = None
    source: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None  # FetchError, SourceError, OSError, or a bug met on the way
    location: str = ""


ProgressHook = Callable[[int, int, str], None]  # done, total, what


class MonitorService:
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

    def sources(self) -> list[SourceView]:
        with self.db.session() as session:
            rows = session.scalars(select(MonitorSource).order_by(MonitorSource.name)).all()
            return [self._view(session, row) for row in rows]

    def get(self, name: str) -> SourceView:
        with self.db.session() as session:
            return self._view(session, self._row(session, name))

    def entries(self, name: str, *, state: str | None = None, limit: int = 50) -> list[EntryView]:
        with self.db.session() as session:
            row = self._row(session, name)
            query = select(MonitorEntry).where(MonitorEntry.source_id == row.id)
            if state:
                query = query.where(MonitorEntry.state == state)
            query = query.order_by(MonitorEntry.last_seen_at.desc(), MonitorEntry.id.desc())
            return [_entry_view(e) for e in session.scalars(query.limit(limit))]

    def sightings(self, name: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Where and when this source saw media, newest first, with what the source said.

        Each also says what came of it, so staff need not look the file up
        elsewhere: the artists the identity signal recognised, the risk (the
        item's when one was opened, else the stored risk score) and the item.
        """
        with self.db.session() as session:
            row = self._row(session, name)
            found = list(
                session.scalars(
                    select(Sighting)
                    .where(Sighting.source_id == row.id)
                    .order_by(Sighting.seen_at.desc(), Sighting.id.desc())
                    .limit(limit)
                )
            )
            scores = _stored_outcomes(session, {s.media_sha256 for s in found if s.media_sha256})
            items = _opened_items(session, {s.entry_id for s in found if s.entry_id})
            views = []
            for s in found:
                artists, risk = scores.get(s.media_sha256 or "", ([], None))
                item = items.get(s.entry_id) if s.entry_id else None
                views.append(
                    {
                        "id": s.id,
                        "location": s.location,
                        "sha256": s.media_sha256,
                        "seen_at": utc_iso(s.seen_at),
                        "error": s.error_message,
                        "artists": artists,
                        "risk": item["risk"] if item else risk,
                        "item": item,
                        "details": s.details or {},
                    }
                )
            return views

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

    def web(self) -> PoliteWeb:
        """One polite reader per service: robots.txt and host pacing persist across runs."""
        if self._web is None:
            self._web = PoliteWeb(
                self.settings.monitor,
                self.settings.working_dir / "monitor",
                credentials=load_credentials(self.settings.monitor.credentials_file),
            )
        return self._web

    # ------------------------------------------------------------ steps of a run
    def _claim(self, source_id: int, listed: Sequence[Found], report: RunReport) -> list[_Work]:
        """Record every listed entry as seen; return up to the run's limit of work to do.

        Work is what is new, what a crash left pending and what failed before
        and may be tried again, listed or not (a feed that has moved on must
        not lose an entry whose download failed). Work beyond the limit stays
        pending in the seen-set, with its description, for the next run, so the
        cursor can always move on.
        """
        now = self._clock()
        limit = self.settings.monitor.max_entries_per_poll
        todo: list[tuple[MonitorEntry, Found]] = []
        seen_keys: set[str] = set()
        with self.db.session() as session:
            for found in listed:
                key_hash = _hash(found.key)
                if key_hash in seen_keys:
                    continue  # listed twice in one poll
                seen_keys.add(key_hash)
                entry = session.scalar(
                    select(MonitorEntry).where(
                        MonitorEntry.source_id == source_id, MonitorEntry.key_hash == key_hash
                    )
                )
                if entry is None:
                    entry = MonitorEntry(
                        source_id=source_id,
                        key_hash=key_hash,
                        key=found.key[:2000],
                        media_url=found.media_url,
                        found=_found_json(found),
                        state="pending",
                        attempts=0,
                        first_seen_at=now,
                        last_seen_at=now,
                        times_listed=1,
                    )
                    session.add(entry)
                    session.flush()
                    report.new += 1
                else:
                    entry.last_seen_at = now
                    entry.times_listed += 1
                    if not _retryable(entry):
                        report.already_seen += 1
                        _discard_temporary(found)
                        continue
                    entry.found = _found_json(found)  # the freshest description wins
                todo.append((entry, found))
            chosen = {entry.id for entry, _ in todo}
            leftovers = session.scalars(
                select(MonitorEntry)
                .where(
                    MonitorEntry.source_id == source_id,
                    MonitorEntry.state.in_(("pending", "failed")),
                    MonitorEntry.attempts < MAX_ATTEMPTS,
                )
                .order_by(MonitorEntry.id)
                .limit(limit + len(chosen))
            )
            for entry in leftovers:
                if entry.id in chosen:
                    continue
                try:
                    todo.append((entry, _found_from_json(entry.found)))
                except (TypeError, ValueError) as exc:
                    entry.state, entry.error = "failed", f"stored entry unreadable: {exc}"
                    entry.attempts = MAX_ATTEMPTS
            if len(todo) > limit:
                report.warnings.append(
                    f"{len(todo)} entries to fetch; {limit} now, the rest on the next runs "
                    "(monitor.max_entries_per_poll)"
                )
            work = []
            for entry, found in todo[:limit]:
                if entry.state == "failed" or entry.attempts > 0:
                    report.retried += 1
                entry.attempts += 1
                entry.state = "pending"
                work.append(_Work(entry.id, found))
        return work

    def _process(
        self,
        source_id: int,
        name: str,
        kind: str,
        work: list[_Work],
        actor: str,
        report: RunReport,
        stop: Callable[[], bool],
        progress: ProgressHook | None,
    ) -> None:
        """Fetch in parallel (the polite reader paces each host), scan in order."""
        batch = max(1, self.settings.monitor.concurrency * 2)
        done = 0
        scanner = self._scanner() if work else None
        with ThreadPoolExecutor(max_workers=self.settings.monitor.concurrency) as pool:
            for start in range(0, len(work), batch):
                if stop():
                    report.stopped = True
                    for rest in work[start:]:
                        _discard_temporary(rest.found)  # the next poll extracts them again
                    return
                chunk = work[start : start + batch]
                list(pool.map(self._acquire, chunk))
                settled: set[int] = set()
                try:
                    assert scanner is not None
                    for piece, record in self._scan(scanner, source_id, name, kind, chunk):
                        self._settle(piece, record, actor, report)
                        settled.add(piece.entry_id)
                        done += 1
                        if progress is not None:
                            progress(done, len(work), piece.location)
                except Exception as exc:  # one bad entry must not lose the rest of the run
                    log.exception("source %s: scanning a batch failed", name)
                    for piece in chunk:
                        if piece.entry_id not in settled:
                            piece.error = piece.error or exc
                            self._settle(piece, None, actor, report)
                            done += 1
                finally:
                    for piece in chunk:
                        _cleanup(piece)

    def _acquire(self, work: _Work) -> None:
        """Get the media onto local disk with its fetch record; errors are kept, not raised."""
        found = work.found
        work.source = found.metadata()
        work.source["seen_at"] = utc_iso(self._clock())
        try:
            if found.local_path is not None:
                path = Path(found.local_path)
                if not path.is_file():
                    raise OSError(f"{path} is no longer there")
                work.path, work.location = path, found.page_url or str(path)
                return
            assert found.media_url is not None
            work.location = found.page_url or found.media_url
            work.scratch = Path(tempfile.mkdtemp(prefix="entry-", dir=self._scratch_root()))
            web = self.web()
            limits = self.settings.limits
            if found.capture:
                capture = web.capture(found.media_url, work.scratch, limits)
                work.path = capture.media.path
                _merge_capture(work.source, capture_source(capture, self.blobs))
                return
            fetched = web.download(
                found.media_url, work.scratch, max_bytes=limits.max_file_bytes, accept=MEDIA_TYPES
            )
            work.path = fetched.path
            work.source["media_fetch"] = fetch_record(fetched)
            work.source.setdefault("final_url", fetched.final_url)
            work.source.setdefault("platform", platform_for(fetched.final_url))
        except (FetchError, SourceError, OSError) as exc:
            work.error = exc

    def _scan(
        self, scanner: Scanner, source_id: int, name: str, kind: str, chunk: list[_Work]
    ) -> Iterator[tuple[_Work, FileRecord | None]]:
        ready = [w for w in chunk if w.error is None and w.path is not None]
        for piece in chunk:
            if piece.error is not None:
                yield piece, None
        inputs = []
        by_entry = {}
        for piece in ready:
            assert piece.path is not None
            piece.source.update({"monitor_source": name, "monitor_kind": kind})
            inputs.append(
                ScanInput(
                    piece.path,
                    piece.location,
                    piece.source,
                    origin="monitor",
                    source_id=source_id,
                    entry_id=piece.entry_id,
                )
            )
            by_entry[piece.entry_id] = piece
        if not inputs:
            return
        for record in scanner.scan(inputs):
            assert record.entry_id is not None
            yield by_entry[record.entry_id], record

    def _settle(
        self, work: _Work, record: FileRecord | None, actor: str, report: RunReport
    ) -> None:
        """Open an item when triage says so, then close the entry (done or failed)."""
        item_id = None
        error: str | None = None
        permanent = False
        if record is None:
            error, permanent = _describe(work.error), _is_permanent(work.error)
        elif record.error is not None or record.sha256 is None:
            error, permanent = f"{record.error_code}: {record.error}", True
        else:
            try:
                opened = self.triage.on_record(record, actor=actor)
            except Exception as exc:  # the sighting is stored; the item can be opened by hand
                log.exception("could not open an item for %s", record.location)
                error = f"analysed, but no review item could be opened: {exc}"
            else:
                if opened is not None:
                    item_id = opened.item_id
                    if opened.created:
                        report.opened.append(opened.item_id)
        with self.db.session() as session:
            entry = session.get(MonitorEntry, work.entry_id)
            if entry is None:  # the source was removed meanwhile
                return
            entry.media_sha256 = record.sha256 if record is not None else None
            entry.item_id = item_id
            entry.error = error
            if error is None:
                entry.state = "done"
                report.processed += 1
                return
            entry.state = "failed"
            if permanent:
                entry.attempts = MAX_ATTEMPTS
        report.failed += 1
        if len(report.errors) < 20:
            report.errors.append(f"{work.location or work.found.key}: {error}")

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

    # ------------------------------------------------------------ helpers
    def _scratch_root(self) -> Path:
        root = self.settings.working_dir / "monitor"
        root.mkdir(parents=True, exist_ok=True)
        return root

    def _row(self, session: Any, name: str) -> MonitorSource:
        row: MonitorSource | None = session.scalar(
            select(MonitorSource).where(MonitorSource.name == name.lower())
        )
        if row is None:
            raise MonitorError(f"no source named {name!r} (see `idolguard sources list`)")
        return row

    def _view(self, session: Any, row: MonitorSource) -> SourceView:
        counts = dict(
            session.execute(
                select(MonitorEntry.state, func.count())
                .where(MonitorEntry.source_id == row.id)
                .group_by(MonitorEntry.state)
            ).all()
        )
        sightings = session.scalar(
            select(func.count()).select_from(Sighting).where(Sighting.source_id == row.id)
        )
        return SourceView(
            id=row.id,
            name=row.name,
            kind=row.kind,
            options=dict(row.options),
            every_seconds=row.every_seconds,
            enabled=row.enabled,
            created_by=row.created_by,
            created_at=row.created_at,
            cursor=dict(row.cursor or {}),
            next_run_at=row.next_run_at,
            last_run_at=row.last_run_at,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
            failures=row.failures,
            runs=row.runs,
            entries={str(k): int(v) for k, v in counts.items()},
            sightings=int(sightings or 0),
        )


def _stored_outcomes(session: Any, hashes: set[str]) -> dict[str, tuple[list[str], float | None]]:
    """``sha256 -> (recognised artists, risk score)`` from the newest stored results."""
    rows = session.execute(
        select(AnalysisResult.media_sha256, AnalysisResult.signal, AnalysisResult.data)
        .where(
            AnalysisResult.media_sha256.in_(hashes),
            AnalysisResult.signal.in_(("identity", "risk")),
            AnalysisResult.error.is_(None),
        )
        .order_by(AnalysisResult.created_at, AnalysisResult.id)
    )
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for sha256, signal, data in rows:
        newest[(sha256, signal)] = data or {}
    outcomes: dict[str, tuple[list[str], float | None]] = {}
    for sha256 in hashes:
        artists = newest.get((sha256, "identity"), {}).get("artists") or []
        score = newest.get((sha256, "risk"), {}).get("score")
        outcomes[sha256] = (
            [str(a) for a in artists],
            round(float(score), 4) if isinstance(score, int | float) else None,
        )
    return outcomes


def _opened_items(session: Any, entry_ids: set[int]) -> dict[int, dict[str, Any]]:
    """``entry id -> the item it opened`` (id, state, risk and the artist a reviewer set)."""
    rows = session.execute(
        select(MonitorEntry.id, Item.id, Item.state, Item.risk, Artist.name)
        .join(Item, Item.id == MonitorEntry.item_id)
        .outerjoin(Artist, Artist.id == Item.artist_id)
        .where(MonitorEntry.id.in_(entry_ids))
    )
    return {
        entry_id: {"id": item_id, "state": state, "risk": round(risk, 4), "artist": artist}
        for entry_id, item_id, state, risk, artist in rows
    }


def _entry_view(entry: MonitorEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        key=entry.key,
        media_url=entry.media_url,
        state=entry.state,
        attempts=entry.attempts,
        media_sha256=entry.media_sha256,
        item_id=entry.item_id,
        error=entry.error,
        first_seen_at=entry.first_seen_at,
        last_seen_at=entry.last_seen_at,
        times_listed=entry.times_listed,
    )


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _retryable(entry: MonitorEntry) -> bool:
    return entry.state in ("pending", "failed") and entry.attempts < MAX_ATTEMPTS


def _is_permanent(error: BaseException | None) -> bool:
    if isinstance(error, FetchError):
        if error.code in _PERMANENT:
            return True
        return error.code is FetchErrorCode.HTTP_ERROR and error.status in _GONE_STATUSES
    return isinstance(error, SourceError)


def _describe(error: BaseException | None) -> str:
    if isinstance(error, FetchError) and error.code is FetchErrorCode.BLOCKED_ADDRESS:
        return f"{error}; {_PRIVATE_HINT}"
    if isinstance(error, FetchError | SourceError):
        return str(error)
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    return _unexpected(error)


def _unexpected(error: BaseException | None) -> str:
    """A failure no step expected (a bug, the database): say so, with its type, in one line."""
    first = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return f"unexpected error ({type(error).__name__}): {first or 'no details'}; see the log"


# Sources are read by the [monitor] reader; liveness checks have [watch] allow_private.
_PRIVATE_HINT = (
    "sources on your own network are fetched only with allow_private = true "
    "under [monitor] in idolguard.toml"
)

# What the page says about a post fills gaps only: the source's own listing says it better.
_PAGE_FACTS = frozenset(
    {"final_url", "platform", "uploader", "page_title", "posted_at", "canonical_url"}
)


def _merge_capture(source: dict[str, Any], captured: dict[str, Any]) -> None:
    captured["posted_at"] = captured.pop("published_at", None)
    for key, value in captured.items():
        if key not in _PAGE_FACTS:
            source[key] = value  # how the media was fetched: the capture is the authority
        elif value and not source.get(key):
            source[key] = value


def _cleanup(work: _Work) -> None:
    if work.scratch is not None:
        shutil.rmtree(work.scratch, ignore_errors=True)
    _discard_temporary(work.found)


def _discard_temporary(found: Found) -> None:
    """Delete a copy a connector extracted for this run (the archive itself is the original)."""
    if found.local_path is None or not found.extra.get("temporary"):
        return
    path = Path(found.local_path)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # the extraction folder, once its last file is gone


def _found_json(found: Found) -> dict[str, Any]:
    return {
        "key": found.key,
        "media_url": found.media_url,
        "local_path": str(found.local_path) if found.local_path else None,
        "capture": found.capture,
        "page_url": found.page_url,
        "platform": found.platform,
        "post_id": found.post_id,
        "uploader": found.uploader,
        "caption": found.caption,
        "title": found.title,
        "hashtags": list(found.hashtags),
        "posted_at": found.posted_at,
        "extra": dict(found.extra),
    }


def _found_from_json(data: dict[str, Any]) -> Found:
    values = dict(data)
    local = values.pop("local_path", None)
    values["local_path"] = Path(local) if local else None
    values["hashtags"] = tuple(values.get("hashtags") or ())
    values["extra"] = dict(values.get("extra") or {})
    return Found(**values)


__all__ = [
    "MAX_ATTEMPTS",
    "EntryView",
    "MonitorError",
    "MonitorService",
    "RunReport",
    "SourceView",
]
