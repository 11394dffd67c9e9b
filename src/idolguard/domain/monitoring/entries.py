"""One run's entries: claim what a source lists, fetch it politely, scan it, settle it.

The steps of a run that make monitoring safe to kill at any moment (see
``monitoring.service``): an entry is claimed before anything is fetched,
failures are retried from the entry's stored description until
``MAX_ATTEMPTS``, and failures that cannot get better are not retried.
``EntryRuns`` is mixed into ``MonitorService``.
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
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from idolguard.clock import utc_iso
from idolguard.config import Settings
from idolguard.domain.monitoring.views import RunReport
from idolguard.domain.review.intake import capture_source, fetch_record
from idolguard.domain.review.triage import Opened, Triage
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.scan import ScanInput, Scanner
from idolguard.platforms import platform_for
from idolguard.scratch import sweep_stale
from idolguard.sources.connectors.base import Found, SourceError
from idolguard.sources.fetch import FetchError, FetchErrorCode
from idolguard.sources.polite import MEDIA_TYPES, PoliteWeb, load_credentials
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import (
    MonitorEntry,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # tries per entry, across runs, before it is left as failed
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
# (scan record, the profile a connector saw, the avatar's bytes, actor) -> opened or not:
# entries that carry a profile (``Found.extra["profile"]``) are accounts, triaged by the
# impersonation check instead of by their picture's risk.
AccountTriage = Callable[[FileRecord, dict[str, Any], bytes, str], Opened | None]


class EntryRuns:
    """The per-entry steps of a run, mixed into ``MonitorService``."""

    db: Database
    settings: Settings
    triage: Triage
    blobs: BlobStore
    _scanner: Callable[[], Scanner]
    _clock: Callable[[], datetime]
    _web: PoliteWeb | None
    _swept: bool = False  # a killed run's scratch downloads removed (once per service)
    account_triage: AccountTriage | None = None

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
        if not self._swept:  # a killed run's downloads, once per service
            sweep_stale(self.settings.working_dir / "monitor", "entry-")
            self._swept = True
        now = self._clock()
        limit = self.settings.monitor.max_entries_per_poll
        todo: list[tuple[MonitorEntry, Found]] = []
        seen_keys: set[str] = set()
        new_ids: set[int] = set()
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
                    new_ids.add(entry.id)
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
                    (MonitorEntry.state == "pending")
                    | ((MonitorEntry.state == "failed") & (MonitorEntry.attempts < MAX_ATTEMPTS)),
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
                if entry.id not in new_ids:  # failed before, or claimed by a run that died
                    report.retried += 1
                entry.state = "pending"  # attempts counts failures only: see _retryable
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
                opened = self._triage(work, record, actor)
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
            entry.attempts = MAX_ATTEMPTS if permanent else entry.attempts + 1
        report.failed += 1
        if len(report.errors) < 20:
            report.errors.append(f"{work.location or work.found.key}: {error}")

    def _triage(self, work: _Work, record: FileRecord, actor: str) -> Opened | None:
        profile = work.found.extra.get("profile")
        if isinstance(profile, dict) and self.account_triage is not None and work.path:
            avatar = work.path.read_bytes()
            return self.account_triage(record, {**profile, "seen": work.source}, avatar, actor)
        return self.triage.on_record(record, actor=actor)

    def _scratch_root(self) -> Path:
        root = self.settings.working_dir / "monitor"
        root.mkdir(parents=True, exist_ok=True)
        return root


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _retryable(entry: MonitorEntry) -> bool:
    """Whether a listed entry is work for this run.

    ``pending`` is always work: a run claimed it and died (SIGKILL, power loss)
    before closing it, which says nothing about the entry, so it does not use up
    a try. ``attempts`` counts finished tries that failed; a failed entry is
    tried again until ``MAX_ATTEMPTS``. (Counting claims instead left entries of
    a watcher killed three times pending for ever.)
    """
    if entry.state == "pending":
        return True
    return entry.state == "failed" and entry.attempts < MAX_ATTEMPTS


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


__all__ = ["MAX_ATTEMPTS", "EntryRuns", "ProgressHook"]
