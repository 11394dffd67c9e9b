"""Persistence of scans, sightings and signal results.

Each file's outcome is written in one transaction, so a scan killed at any
moment leaves every file either fully recorded or not at all; the unique
constraint on (content, signal, version) means a re-run never duplicates.

A scan run records the process running it (pid, host) and a heartbeat. A run
left "running" by a process that no longer exists (killed, crashed, machine
rebooted) is marked "interrupted" when the next scan starts or scans are listed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from idolguard.clock import utcnow
from idolguard.pipeline.records import FileRecord, printable_location
from idolguard.storage.database import Database
from idolguard.storage.models import AnalysisResult, Media, ScanRun, Sighting


class AnalysisStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    def start_scan(self, inputs: Mapping[str, Any]) -> int:
        self.mark_interrupted()
        now = utcnow()
        with self.db.session() as session:
            run = ScanRun(
                inputs=dict(inputs),
                pid=os.getpid(),
                host=_HOST,
                started_at=now,
                heartbeat_at=now,
            )
            session.add(run)
            session.flush()
            return run.id

    def heartbeat(self, scan_id: int, counts: Mapping[str, int]) -> None:
        """Say the scan is alive, with its counts so far."""
        values: dict[str, Any] = {f"files_{key}": value for key, value in counts.items()}
        with self.db.session() as session:
            session.execute(
                update(ScanRun)
                .where(ScanRun.id == scan_id, ScanRun.status == "running")
                .values(heartbeat_at=utcnow(), **values)
            )

    def mark_interrupted(self, now: datetime | None = None) -> list[int]:
        """Mark runs still "running" whose process is gone as "interrupted"; return their ids.

        On this host a run is gone when its pid no longer exists. A run from
        another host (a shared PostgreSQL), or one without a pid (recorded before
        liveness existed), is gone when its heartbeat is older than ``STALE_AFTER``.
        """
        now = utcnow() if now is None else now
        with self.db.session() as session:
            running = session.scalars(select(ScanRun).where(ScanRun.status == "running")).all()
            gone = [run.id for run in running if not _alive(run, now)]
            if gone:
                session.execute(
                    update(ScanRun)
                    .where(ScanRun.id.in_(gone), ScanRun.status == "running")
                    .values(status="interrupted")
                )
        return gone

    def scan_runs(self, limit: int = 20) -> list[ScanRun]:
        """The newest scan runs, newest first; dead "running" runs are marked first."""
        self.mark_interrupted()
        with self.db.session() as session:
            return list(
                session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(limit)).all()
            )

    def finish_scan(self, scan_id: int, status: str, counts: Mapping[str, int]) -> None:
        with self.db.session() as session:
            run = session.get(ScanRun, scan_id)
            if run is None:
                return
            run.status = status
            run.finished_at = utcnow()
            for key, value in counts.items():
                setattr(run, f"files_{key}", value)

    def cached_results(
        self, sha256: str, keys: Iterable[tuple[str, str]]
    ) -> dict[str, dict[str, Any]]:
        """Stored results for ``sha256`` among the (signal, version) pairs in ``keys``."""
        wanted = set(keys)
        if not wanted:
            return {}
        with self.db.session() as session:
            rows = session.scalars(
                select(AnalysisResult).where(
                    AnalysisResult.media_sha256 == sha256,
                    AnalysisResult.signal.in_({name for name, _ in wanted}),
                    AnalysisResult.error.is_(None),
                )
            )
            return {
                row.signal: row.data for row in rows if (row.signal, row.signal_version) in wanted
            }

    def record(self, scan_id: int | None, record: FileRecord, replace: Iterable[str] = ()) -> None:
        """Write one file's outcome atomically.

        Results of signals named in ``replace`` (context signals such as bank
        matches, which depend on the banks at scan time) overwrite older rows
        of the same version; content results are written once and kept.
        """
        replaceable = set(replace)
        for attempt in range(2):
            try:
                with self.db.session() as session:
                    self._write(session, scan_id, record, replaceable)
                return
            except IntegrityError:
                # Another writer stored the same content in between; retry sees its rows.
                if attempt == 1:
                    raise

    def _write(
        self, session: Any, scan_id: int | None, record: FileRecord, replace: set[str]
    ) -> None:
        if record.sha256 is not None:
            media = session.get(Media, record.sha256)
            if media is None:
                media = Media(
                    sha256=record.sha256,
                    md5=record.md5 or "",
                    size_bytes=record.size_bytes or 0,
                )
                session.add(media)
            for attr in ("media_type", "format", "width", "height", "duration_seconds"):
                value = getattr(record, attr)
                if value is not None:
                    setattr(media, attr, value)
            media.original_stored = media.original_stored or record.original_stored
            session.flush()
            existing = {
                (row.signal, row.signal_version): row
                for row in session.scalars(
                    select(AnalysisResult).where(AnalysisResult.media_sha256 == record.sha256)
                )
            }
            names = set(record.results) | set(record.signal_errors)
            for name in names:
                version = record.versions[name]
                row = existing.get((name, version))
                data = record.results.get(name, {})
                error = record.signal_errors.get(name)
                if row is None:
                    session.add(
                        AnalysisResult(
                            media_sha256=record.sha256,
                            signal=name,
                            signal_version=version,
                            data=data,
                            error=error,
                        )
                    )
                elif name in replace or row.error is not None:
                    row.data, row.error, row.created_at = data, error, utcnow()
        sighting = None
        if record.entry_id is not None:
            # A monitored entry re-processed after a crash: still one sighting.
            sighting = session.scalar(
                select(Sighting).where(Sighting.entry_id == record.entry_id).limit(1)
            )
        elif scan_id is not None:
            sighting = session.scalar(
                select(Sighting).where(
                    Sighting.scan_id == scan_id,
                    Sighting.location == printable_location(record.location),
                )
            )
        if sighting is None:
            session.add(
                Sighting(
                    scan_id=scan_id,
                    media_sha256=record.sha256,
                    location=printable_location(record.location),
                    error_code=record.error_code,
                    error_message=record.error,
                    error_detail=record.error_detail,
                    source_id=record.source_id,
                    entry_id=record.entry_id,
                    details=record.source or None,
                )
            )

    def scan_run(self, scan_id: int) -> ScanRun | None:
        with self.db.session() as session:
            return session.get(ScanRun, scan_id)

    def stored_results(self, sha256: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """The newest successful result of each signal for a file: ``(results, versions)``."""
        with self.db.session() as session:
            rows = session.scalars(
                select(AnalysisResult)
                .where(AnalysisResult.media_sha256 == sha256, AnalysisResult.error.is_(None))
                .order_by(AnalysisResult.created_at, AnalysisResult.id)
            )
            results: dict[str, dict[str, Any]] = {}
            versions: dict[str, str] = {}
            for row in rows:
                results[row.signal], versions[row.signal] = row.data, row.signal_version
            return results, versions

    def hash_results(
        self, after_sha256: str = "", batch: int = 2000
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """``(sha256, md5, {"pdq": ..., "vpdq": ...})`` for a batch of media, in sha256 order.

        Retroactive matching pages through every file ever seen with this.
        """
        with self.db.session() as session:
            shas = list(
                session.scalars(
                    select(Media.sha256)
                    .where(Media.sha256 > after_sha256)
                    .order_by(Media.sha256)
                    .limit(batch)
                )
            )
            if not shas:
                return []
            md5s = dict(
                session.execute(select(Media.sha256, Media.md5).where(Media.sha256.in_(shas))).all()
            )
            found: dict[str, dict[str, Any]] = {sha: {} for sha in shas}
            for row in session.scalars(
                select(AnalysisResult)
                .where(
                    AnalysisResult.media_sha256.in_(shas),
                    AnalysisResult.signal.in_(["pdq", "vpdq"]),
                    AnalysisResult.error.is_(None),
                )
                .order_by(AnalysisResult.created_at, AnalysisResult.id)
            ):
                found[row.media_sha256][row.signal] = row.data
            return [(sha, str(md5s.get(sha, "")), found[sha]) for sha in shas]

    def latest_locations(self, sha256: str, limit: int = 20) -> list[str]:
        """Distinct places a file was seen, most recent first."""
        with self.db.session() as session:
            rows = session.execute(
                select(Sighting.location, Sighting.seen_at)
                .where(Sighting.media_sha256 == sha256)
                .order_by(Sighting.seen_at.desc())
            ).all()
        seen: dict[str, None] = {}
        for location, _ in rows:
            seen.setdefault(location, None)
            if len(seen) >= limit:
                break
        return list(seen)


# A scan heartbeats after every few files, and one file is bounded by the worker's
# timeout (15 minutes); a run silent for an hour is not coming back.
STALE_AFTER = timedelta(hours=1)
_HOST = socket.gethostname()[:255]


def _alive(run: ScanRun, now: datetime) -> bool:
    last = run.heartbeat_at or run.started_at
    if now - last > STALE_AFTER:
        return False
    if run.pid is None or run.host != _HOST:
        return True  # cannot look at another machine's processes; trust the heartbeat
    return _process_exists(run.pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:  # a killed child not yet reaped by its parent is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
