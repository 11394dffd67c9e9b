"""Content-stage analysis of one file; runs inside a worker process (or inline).

A worker reads the database only to find results it can reuse; all writes
happen in the coordinating process, so workers can die without corrupting
anything.
"""

from __future__ import annotations

import logging
import math
import os
import signal as signals
from dataclasses import dataclass
from pathlib import Path

from idolguard.config import Settings
from idolguard.media import MediaError, MediaErrorCode, MediaLimits, sniff
from idolguard.media.digests import file_digests
from idolguard.pipeline.records import FileRecord, printable_location
from idolguard.signals import AnalysisItem, Signal, SignalContext, Stage
from idolguard.signals.registry import discover_signals, plugin_manager, select_signals
from idolguard.signals.watchlist import Watchlist
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobIntegrityError, BlobStore
from idolguard.storage.database import Database

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    settings: Settings
    signals: list[Signal]
    store: AnalysisStore
    blobs: BlobStore | None


def build_worker_state(
    settings: Settings,
    signal_names: list[str] | None,
    *,
    threads: int = 1,
    watchlist: Watchlist | None = None,
) -> WorkerState:
    context = SignalContext(
        matching=settings.matching,
        limits=settings.limits,
        faces=settings.faces,
        threads=settings.faces.threads or threads,
        heatmap_dir=settings.heatmap_dir,
        blur_explicit=settings.review.blur_explicit,
        manipulation=settings.manipulation,
        watchlist=watchlist,
    )
    available = discover_signals(context, plugin_manager())
    chosen = select_signals(
        available,
        None
        if signal_names is None
        else [n for n in signal_names if n in {s.name for s in available}],
    )
    content = [s for s in chosen if s.stage is Stage.CONTENT]
    database = Database(settings.database_url, auto_migrate=False)
    blobs = (
        BlobStore(settings.blob_dir, settings.evidence_key) if settings.store_originals else None
    )
    return WorkerState(settings, content, AnalysisStore(database), blobs)


_STATE: WorkerState | None = None  # one per worker process, set by the pool initializer


def init_worker(
    settings: Settings, signal_names: list[str] | None, watchlist: Watchlist | None = None
) -> None:
    global _STATE
    # Parallelism comes from processes; native libraries must not each spawn a thread per core.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    _STATE = build_worker_state(settings, signal_names, watchlist=watchlist)
    limit_worker_memory(settings.limits)


def analyse_in_worker(path: str) -> FileRecord:
    if _STATE is None:
        raise RuntimeError("worker not initialised")
    limit_file_cpu(_STATE.settings.limits)
    return analyse_file(Path(path), _STATE)


# Budgets per file, enforced by the kernel on the worker process (Unix only;
# elsewhere only the coordinator's wall-clock limit applies). A file over its
# CPU budget makes the kernel send SIGXCPU, which ends the worker; the
# coordinator sees the exit signal and records the file as ``too_slow``. The
# memory budget caps the worker's address space, so a decoder that asks for
# more gets an allocation failure (``too_large``) instead of exhausting the host.


def limit_worker_memory(limits: MediaLimits) -> None:
    """Cap the address space at its size now (models loaded) plus ``worker_memory_mb``."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed decoder must not write a core file
    if limits.worker_memory_mb <= 0:
        return
    limit = _address_space_bytes() + limits.worker_memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def limit_file_cpu(limits: MediaLimits) -> None:
    """Allow the next file ``file_cpu_seconds`` of CPU time on top of what this worker has used."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    if limits.file_cpu_seconds <= 0:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + limits.file_cpu_seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    signals.signal(signals.SIGXCPU, signals.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * (os.sysconf("SC_PAGE_SIZE") or 4096)
    except (OSError, ValueError, IndexError):
        return 0


def analyse_file(path: Path, state: WorkerState) -> FileRecord:
    record = FileRecord(location=printable_location(str(path)))
    try:
        info = sniff(path, state.settings.limits)
        record.sha256, record.md5, record.size_bytes = file_digests(path)
    except MediaError as exc:
        _fail(record, exc)
        return record
    except OSError as exc:  # readable when sniffed, then not (removed, permissions changed)
        _fail(
            record,
            MediaError(
                MediaErrorCode.UNREADABLE,
                "file could not be read to the end",
                f"{type(exc).__name__}: [Errno {exc.errno}] {exc.strerror or ''}".strip(),
            ),
        )
        return record
    record.media_type, record.format = info.media_type.value, info.format
    applicable = [s for s in state.signals if s.applies_to(info.media_type)]
    for signal in applicable:
        record.versions[signal.name] = signal.version
    keys, sha256 = [s.key for s in applicable], record.sha256
    cached = state.store.db.retrying(lambda: state.store.cached_results(sha256, keys))
    item = AnalysisItem(
        path=path,
        sha256=record.sha256,
        md5=record.md5,
        size_bytes=record.size_bytes,
        sniff=info,
        limits=state.settings.limits,
    )
    for signal in applicable:
        if signal.name in cached:
            item.results[signal.name] = record.results[signal.name] = cached[signal.name]
            record.cached.append(signal.name)
            continue
        try:
            result = signal.analyse(item)
        except MediaError as exc:
            _fail(record, exc)
            break
        except MemoryError:
            record.error_code = MediaErrorCode.TOO_LARGE.value
            record.error = (
                "analysing this file needed more memory than a worker may use "
                f"(limits.worker_memory_mb = {state.settings.limits.worker_memory_mb})"
            )
            break
        except Exception as exc:  # a bug in one signal must not lose the others
            log.exception("signal %s failed on %s", signal.name, path)
            record.signal_errors[signal.name] = f"{type(exc).__name__}: {exc}"
            continue
        item.results[signal.name] = record.results[signal.name] = result
    _describe(record)
    if record.error is None and state.blobs is not None:
        try:
            state.blobs.put_file(path, expected_sha256=record.sha256)
            record.original_stored = True
        except BlobIntegrityError:
            record.warnings.append("original not stored: the file changed while it was scanned")
        except OSError as exc:  # the disk is full, the store is not writable, the file is gone
            # strerror, not str(exc): that quotes paths, which may not be UTF-8.
            record.warnings.append(
                f"original not stored: {exc.strerror or 'the evidence store could not be written'}"
            )
        except Exception:
            log.exception("storing the original of %s failed", record.location)
            record.warnings.append("original not stored: the evidence store failed (see the log)")
    return record


def _fail(record: FileRecord, exc: MediaError) -> None:
    record.error_code, record.error, record.error_detail = exc.code.value, exc.message, exc.detail


def _describe(record: FileRecord) -> None:
    """Lift the basic media facts that signals found into the record's columns."""
    for result in record.results.values():
        for attr in ("width", "height", "duration_seconds"):
            if getattr(record, attr) is None and isinstance(result.get(attr), int | float):
                setattr(record, attr, result[attr])
