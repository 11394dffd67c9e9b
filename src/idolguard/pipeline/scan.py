"""Batch scanning across cores, resumable and crash-tolerant.

Content signals run in a process pool (decoders are native code: a hostile
file may crash or hang one, and a separate process contains that). The
coordinating process runs context signals (bank matching) and writes each
file's outcome in its own transaction, as soon as it arrives.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from signal import SIGXCPU
from typing import TYPE_CHECKING, Any

from idolguard.config import Settings
from idolguard.media import MediaErrorCode, MediaType, SniffResult
from idolguard.pipeline.discovery import discover
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.worker import (
    WorkerState,
    analyse_file,
    analyse_in_worker,
    build_worker_state,
    init_worker,
)
from idolguard.signals import AnalysisItem, Signal, Stage
from idolguard.signals.watchlist import Watchlist
from idolguard.storage.analysis_store import AnalysisStore

if TYPE_CHECKING:
    from idolguard.pipeline.cluster import ClusterStage

ProgressCallback = Callable[[int, int, FileRecord], None]
RecordHook = Callable[[FileRecord], None]  # after a file's outcome is stored (triage)
# How often a running scan tells the scan-run table it is alive (and its counts so far).
HEARTBEAT_SECONDS = 5.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanInput:
    """A file to scan plus what is known about where it was seen.

    ``path`` is the bytes on disk (often a temporary download); ``location``
    is what the sighting and the review item record instead: the URL the
    media was found at. ``source`` (caption, uploader, post) reaches the
    context signals, the sighting and the evidence manifest.
    """

    path: Path
    location: str
    source: dict[str, Any] = field(default_factory=dict)
    origin: str = "scan"
    source_id: int | None = None
    entry_id: int | None = None


@dataclass
class ScanSummary:
    scan_id: int
    total: int = 0
    analysed: int = 0
    cached: int = 0
    failed: int = 0
    records: list[FileRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "analysed": self.analysed,
            "cached": self.cached,
            "failed": self.failed,
        }


class Scanner:
    """Runs the enabled signals over files and stores the outcomes.

    ``signals`` is the full, dependency-ordered list; content signals are
    re-instantiated inside each worker from their names (signals hold models
    that should be loaded once per process, not pickled per file).
    """

    def __init__(
        self,
        settings: Settings,
        store: AnalysisStore,
        signals: Sequence[Signal],
        *,
        workers: int | None = None,
        file_timeout: float | None = None,
        persist: bool = True,
        on_record: RecordHook | None = None,
        watchlist: Watchlist | None = None,
        cluster: str | None = None,
    ) -> None:
        self.settings = settings
        # A Ray cluster's address ("auto" or host:port) runs the content stage there instead
        # of in the local pool; ``None`` (the default) leaves the local pool in charge.
        self.cluster = settings.cluster if cluster is None else cluster
        self._cluster_stage: ClusterStage | None = None
        self.watchlist = watchlist  # enrolled faces for the manipulation cascade, per scan
        self.store = store
        self.signals = list(signals)
        self.workers = settings.workers if workers is None else workers
        # Wall-clock budget per file; CPU and memory budgets are enforced inside the workers.
        self.file_timeout = (
            settings.limits.file_wall_seconds if file_timeout is None else file_timeout
        )
        self.persist = persist  # False: a read-only lookup (``bank match``), nothing is written
        self.on_record = on_record if persist else None
        self.content_names = [s.name for s in self.signals if s.stage is Stage.CONTENT]
        self.context_signals = [s for s in self.signals if s.stage is Stage.CONTEXT]

    def scan(
        self,
        paths: Iterable[Path | ScanInput],
        *,
        progress: ProgressCallback | None = None,
        keep_records: bool = False,
    ) -> Iterator[FileRecord]:
        """Scan and yield each file's record as it completes. ``summary`` is set when done.

        Plain paths are expanded (folders walked); ``ScanInput`` entries are
        scanned as given and their records carry the input's location and source.
        """
        inputs = _inputs(paths)
        files = [i.path for i in inputs.values()]
        scan_id = (
            self.store.db.retrying(
                lambda: self.store.start_scan(
                    {"paths": [i.location for i in list(inputs.values())[:1000]]}
                )
            )
            if self.persist
            else 0
        )
        self.summary = ScanSummary(scan_id=scan_id, total=len(files))
        status = "interrupted"
        beat = time.monotonic()
        try:
            for done, record in enumerate(self._content_stage(files), start=1):
                given = inputs.get(record.location)
                path = Path(record.location)
                if given is not None:
                    record.location = given.location
                    record.source = dict(given.source)
                    record.origin = given.origin
                    record.source_id, record.entry_id = given.source_id, given.entry_id
                self._context_stage(record, path)
                # A database server restarted mid-scan costs a pause here, not the scan.
                if self.persist:
                    self._record(scan_id, record)
                if self.on_record is not None:
                    try:
                        self.store.db.retrying(partial(self.on_record, record))
                    except Exception as exc:  # the scan itself succeeded; say what did not
                        record.warnings.append(f"could not open a review item: {exc}")
                self._count(record)
                if self.persist and time.monotonic() - beat >= HEARTBEAT_SECONDS:
                    beat_now = partial(self.store.heartbeat, scan_id, self.summary.counts())
                    self.store.db.retrying(beat_now)
                    beat = time.monotonic()
                if keep_records:
                    self.summary.records.append(record)
                if progress is not None:
                    progress(done, len(files), record)
                yield record
            status = "finished"
        finally:
            if self.persist:
                try:
                    counts = self.summary.counts()
                    self.store.db.retrying(
                        lambda: self.store.finish_scan(scan_id, status, counts),
                        wait=None if status == "finished" else 0.0,
                    )
                except Exception:
                    if status == "finished":
                        raise
                    # Already failing (a full disk, a lost database): that error is the
                    # one to report; the run is marked interrupted once this process ends.

    def _record(self, scan_id: int, record: FileRecord) -> None:
        replace = [s.name for s in self.context_signals]
        self.store.db.retrying(lambda: self.store.record(scan_id, record, replace=replace))

    def run(
        self, paths: Iterable[Path | ScanInput], progress: ProgressCallback | None = None
    ) -> ScanSummary:
        for _ in self.scan(paths, progress=progress, keep_records=True):
            pass
        return self.summary

    def _count(self, record: FileRecord) -> None:
        if record.error is not None:
            self.summary.failed += 1
        elif record.cached and not (
            set(record.results) - set(record.cached) - self._context_names()
        ):
            self.summary.cached += 1
        else:
            self.summary.analysed += 1

    def _context_names(self) -> set[str]:
        return {s.name for s in self.context_signals}

    def _context_stage(self, record: FileRecord, path: Path) -> None:
        if record.error is not None or record.sha256 is None or record.media_type is None:
            return
        item = AnalysisItem(
            path=path,
            sha256=record.sha256,
            md5=record.md5 or "",
            size_bytes=record.size_bytes or 0,
            sniff=_sniff_from_record(record),
            limits=self.settings.limits,
            results=dict(record.results),
            source=record.source,
        )
        for signal in self.context_signals:
            if not signal.applies_to(item.media_type):
                continue
            record.versions[signal.name] = signal.version
            try:
                record.results[signal.name] = item.results[signal.name] = signal.analyse(item)
            except Exception as exc:
                record.signal_errors[signal.name] = f"{type(exc).__name__}: {exc}"

    # ------------------------------------------------------------ content stage
    def _content_stage(self, files: list[Path]) -> Iterator[FileRecord]:
        if self.cluster:
            yield from self._on_cluster(files)
            return
        if self.workers > 0 and len(files) > 1:
            yield from self._pooled(files, self.workers)
        elif self.workers > 0 and files and _budgets_apply(self.settings):
            # One file from the CLI: still decoded in a budgeted worker.
            yield from self._pooled(files, 1)
        else:
            # ``workers=0``: callers that scan inside their own process (monitoring, web
            # uploads). Not forked: a worker forked from a process with other threads (a
            # web server's) can inherit a lock one of them held and hang for ever; the
            # suite caught one deadlocked in a native library's import. The structural
            # checks and size limits still apply here; the per-file budgets do not.
            # One process does all the work, models on every core.
            state = build_worker_state(
                self.settings,
                self.content_names,
                threads=os.cpu_count() or 1,
                watchlist=self.watchlist,
            )
            yield from (self._inline(path, state) for path in files)

    def _on_cluster(self, files: list[Path]) -> Iterator[FileRecord]:
        """The content stage on Ray actors, kept across scanners alike (models load once)."""
        from idolguard.pipeline.cluster import shared_stage

        if self._cluster_stage is None:
            assert self.cluster is not None
            self._cluster_stage = shared_stage(
                self.settings,
                self.content_names,
                self.watchlist,
                self.cluster,
                actors=self.settings.cluster_workers or None,
                file_timeout=self.file_timeout,
            )
        yield from self._cluster_stage.run(files)

    def _inline(self, path: Path, state: WorkerState) -> FileRecord:
        return analyse_file(path, state)

    def _new_pool(self, size: int) -> ProcessPoolExecutor:
        """``size`` budgeted workers, one thread each.

        One thread even for a lone worker (``init_worker`` sets
        ``OMP_NUM_THREADS=1``): a lone forked worker given every core hung in a
        futex wait in the tests, after its parent process had run the models.
        """
        return ProcessPoolExecutor(
            max_workers=size,
            initializer=init_worker,
            initargs=(self.settings, self.content_names, self.watchlist),
        )

    def _pooled(self, files: list[Path], size: int) -> Iterator[FileRecord]:
        """Keep a bounded number of files in flight; isolate files that kill or hang a worker.

        When the pool breaks, every file that was in flight becomes a suspect
        and is re-run alone in a fresh one-worker pool: the innocent complete
        normally, the culprit gets an error record, and the scan goes on. A
        worker that ran out of memory on a file is recycled: no new work goes to
        the pool until what is in flight is done, then a fresh pool takes over.
        """
        pending = list(reversed(files))
        suspects: list[Path] = []
        pool = self._new_pool(size)
        in_flight: dict[Future[FileRecord], tuple[Path, float]] = {}
        recycle = False
        try:
            while pending or in_flight:
                broken = False
                if recycle and not in_flight:
                    _close_pool(pool)
                    pool = self._new_pool(size)
                    recycle = False
                try:
                    while pending and not recycle and len(in_flight) < size * 2:
                        future = pool.submit(analyse_in_worker, str(pending[-1]))
                        in_flight[future] = (pending.pop(), time.monotonic())
                except BrokenProcessPool:
                    broken = True  # a worker died since the last wait
                done = (
                    set()
                    if broken
                    else wait(in_flight, timeout=5.0, return_when=FIRST_COMPLETED)[0]
                )
                for future in done:
                    path, _started = in_flight.pop(future)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        suspects.append(path)
                        broken = True
                        continue
                    except Exception as exc:
                        yield _analysis_failure(path, exc)
                        continue
                    recycle = recycle or _needs_recycle(record)
                    yield record
                if not broken and self._overdue(in_flight):
                    broken = True
                if broken:
                    suspects.extend(path for path, _ in in_flight.values())
                    in_flight.clear()
                    _close_pool(pool, kill=True)
                    yield from self._isolate(suspects)
                    suspects = []
                    recycle = False
                    pool = self._new_pool(size)
        finally:
            # Work still in flight here means the scan was abandoned (an error or
            # Ctrl-C in the caller): stop it rather than wait for it.
            _close_pool(pool, kill=bool(in_flight))

    def _overdue(self, in_flight: dict[Future[FileRecord], tuple[Path, float]]) -> bool:
        now = time.monotonic()
        return any(now - started > self.file_timeout for _, started in in_flight.values())

    def _isolate(self, suspects: list[Path]) -> Iterator[FileRecord]:
        for path in suspects:
            pool = self._new_pool(1)
            try:
                record = self._run_alone(pool, path)
            except BaseException:
                _close_pool(pool, kill=True)
                raise
            _close_pool(pool)  # before the record goes out: the pool is done either way
            yield record

    def _run_alone(self, pool: ProcessPoolExecutor, path: Path) -> FileRecord:
        future = pool.submit(analyse_in_worker, str(path))
        processes = list((getattr(pool, "_processes", None) or {}).values())
        done, _ = wait([future], timeout=self.file_timeout)
        if not done:
            _kill_workers(pool)
            return _failure(
                path,
                MediaErrorCode.TOO_SLOW,
                f"analysis took longer than {self.file_timeout:.0f} s and was stopped "
                "(limits.file_wall_seconds)",
            )
        try:
            return future.result()
        except BrokenProcessPool:
            _close_pool(pool)  # joins the dead worker, so its exit code is known
            return _crash_failure(path, processes, self.settings.limits.file_cpu_seconds)
        except Exception as exc:
            return _analysis_failure(path, exc)


def _inputs(paths: Iterable[Path | ScanInput]) -> dict[str, ScanInput]:
    """Every file to scan, once, keyed by the path string the workers report back."""
    given: list[ScanInput] = []
    plain: list[Path] = []
    for entry in paths:
        if isinstance(entry, ScanInput):
            given.append(entry)
        else:
            plain.append(entry)
    inputs = {str(p): ScanInput(p, str(p)) for p in discover(plain)}
    for entry in given:
        inputs.setdefault(str(entry.path), entry)
    return inputs


def _failure(path: Path, code: MediaErrorCode, message: str) -> FileRecord:
    return FileRecord(location=str(path), error_code=code.value, error=message)


ANALYSIS_FAILED = (
    "this file could not be analysed because of an unexpected error; "
    "the technical detail is kept for the operator"
)


def _analysis_failure(path: Path, exc: BaseException) -> FileRecord:
    """An exception out of a worker: words for the reviewer, the exception for debugging.

    The exception's own text (a library's ``'NoneType' object has no
    attribute ...``) means nothing to a reviewer and may quote internals; it
    goes to ``error_detail`` and the log, the message says what happened.
    """
    log.warning("analysing %s failed: %r", path, exc)
    record = _failure(path, MediaErrorCode.CORRUPT, ANALYSIS_FAILED)
    record.error_detail = f"{type(exc).__name__}: {exc}"[:2000]
    return record


def _crash_failure(path: Path, processes: list[Any], cpu_seconds: float) -> FileRecord:
    """The record of a file whose worker died: over its CPU budget, or a crash."""
    exit_codes = {getattr(p, "exitcode", None) for p in processes}
    if -SIGXCPU in exit_codes:
        return _failure(
            path,
            MediaErrorCode.TOO_SLOW,
            f"decoding used more than {cpu_seconds:.0f} s of CPU time and was stopped "
            "(limits.file_cpu_seconds; possibly a CPU bomb)",
        )
    return _failure(
        path,
        MediaErrorCode.CORRUPT,
        "the decoder crashed on this file (corrupt or hostile media)",
    )


def _budgets_apply(settings: Settings) -> bool:
    """Whether a worker process would enforce anything a scan in this process would not."""
    try:
        import resource  # noqa: F401
    except ImportError:  # pragma: no cover - Windows: only the wall-clock limit, in any process
        return False
    return settings.limits.file_cpu_seconds > 0 or settings.limits.worker_memory_mb > 0


def _needs_recycle(record: FileRecord) -> bool:
    # After an allocation failed, the worker's heap may be fragmented or its
    # native libraries in a bad state: start fresh ones.
    return record.error_code == MediaErrorCode.TOO_LARGE.value and "memory" in (record.error or "")


def _close_pool(pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
    """Shut a pool down and wait for its manager thread to finish.

    ``shutdown(wait=False)`` left that thread closing its wake-up pipe while
    the interpreter exited, and ``_python_exit`` (or the executor's weakref
    callback) then wrote to the closed pipe: "Exception ignored ... Bad file
    descriptor" after some scans. Joining it here closes the race; killing
    first makes the join quick when a worker is stuck in native code.
    """
    if kill:
        _kill_workers(pool)
    pool.shutdown(wait=True, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # The executor has no per-task cancel for running work; killing its
    # processes is the only way to stop a hung native decoder.
    processes: dict[Any, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()


def _sniff_from_record(record: FileRecord) -> SniffResult:
    assert record.media_type is not None
    return SniffResult(MediaType(record.media_type), record.format or "", "")
