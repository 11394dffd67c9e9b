"""The PDQ index the product uses: a packed multi-index for the bulk, a flat scan for news.

A multi-index is fast but immutable, a flat scan is mutable but O(n). Splitting the bank
into a large immutable ``main`` part and a small append-only ``delta`` part gives both:
a new bank hash is searchable as soon as ``add`` returns (HMA rebuilds its whole index
every minute, so fresh hashes are blind for up to a minute), while almost all codes sit
in the multi-index. Removals only mark tombstones, because rebuilding a 10M-code index
for one withdrawn hash would take seconds. ``compact`` folds both back into a fresh main
part, automatically once the pending changes outgrow a fraction of the bank.

Small banks (below ``min_main`` codes) skip the multi-index entirely: faiss scans 100k
codes in ~0.1-0.2 ms, so the tables would save almost nothing per query while costing
~150 bytes per code and a rebuild on every compaction.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Final

import faiss
import numpy as np
import numpy.typing as npt

from idolguard.matching.base import (
    HashIndex,
    Ids,
    Match,
    as_ids,
    check_pair,
    check_threshold,
    group_matches,
)
from idolguard.matching.codes import PDQ_BYTES, Codes, as_codes
from idolguard.matching.multi_index import Hits, MultiIndex, plan_layout

logger = logging.getLogger(__name__)

# faiss scans a 32-byte row in ~1.3 ns with AVX-512 popcount, about 1/25 of a random
# candidate check in the multi-index (see multi_index.CANDIDATE_COST).
FAISS_SCAN_COST: Final = 0.045
_INITIAL_CAPACITY: Final = 1024


def faiss_range_search(queries: Codes, codes: Codes, threshold: int) -> Hits:
    """Exact ``(query, row, distance)`` hits with distance <= threshold, scanning ``codes``.

    Calls faiss's Hamming range search directly on the numpy buffer instead of copying the
    codes into an ``IndexBinaryFlat``: the delta part is a growable numpy array, and the
    main part's codes already live inside the multi-index. faiss's radius is strict, hence
    the ``+ 1``.
    """
    n_queries, n_codes = len(queries), len(codes)
    if n_queries == 0 or n_codes == 0:
        return _no_hits()
    queries = np.ascontiguousarray(queries)
    codes = np.ascontiguousarray(codes)
    result = faiss.RangeSearchResult(n_queries)
    faiss.hamming_range_search(  # type: ignore[attr-defined]  # SWIG, not in faiss's stubs
        faiss.swig_ptr(queries),
        faiss.swig_ptr(codes),
        n_queries,
        n_codes,
        threshold + 1,
        PDQ_BYTES,
        result,
    )
    lims = faiss.rev_swig_ptr(result.lims, n_queries + 1).astype(np.int64)
    total = int(lims[-1])
    if total == 0:
        return _no_hits()
    rows = faiss.rev_swig_ptr(result.labels, total).astype(np.int64)
    distances = faiss.rev_swig_ptr(result.distances, total).astype(np.uint16)
    query_index = np.repeat(np.arange(n_queries, dtype=np.int64), np.diff(lims))
    return query_index, rows, distances


def _no_hits() -> Hits:
    return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint16))


class _FlatPart:
    """Append-only rows with tombstones, readable while being appended to.

    Rows below ``n`` never change except for their ``alive`` flag, and growing swaps in
    new arrays instead of resizing in place, so a reader that captured ``[:n]`` views
    keeps a consistent picture without holding the lock during its scan.
    """

    def __init__(self, capacity: int = _INITIAL_CAPACITY) -> None:
        capacity = max(capacity, 1)
        self.codes: Codes = np.empty((capacity, PDQ_BYTES), dtype=np.uint8)
        self.ids: Ids = np.empty(capacity, dtype=np.int64)
        self.alive: npt.NDArray[np.bool_] = np.empty(capacity, dtype=np.bool_)
        self.n = 0

    def append(self, ids: Ids, codes: Codes, alive: npt.NDArray[np.bool_] | None = None) -> None:
        k = len(ids)
        needed = self.n + k
        if needed > len(self.ids):
            capacity = max(needed, 2 * len(self.ids))
            grown_codes = np.empty((capacity, PDQ_BYTES), dtype=np.uint8)
            grown_ids = np.empty(capacity, dtype=np.int64)
            grown_alive = np.empty(capacity, dtype=np.bool_)
            grown_codes[: self.n] = self.codes[: self.n]
            grown_ids[: self.n] = self.ids[: self.n]
            grown_alive[: self.n] = self.alive[: self.n]
            self.codes, self.ids, self.alive = grown_codes, grown_ids, grown_alive
        self.codes[self.n : needed] = codes
        self.ids[self.n : needed] = ids
        self.alive[self.n : needed] = True if alive is None else alive
        self.n = needed

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.ids.nbytes + self.alive.nbytes


class _Segment:
    """An immutable multi-index with its tombstones; rows are sorted by id.

    Sorting by id lets ``remove`` find rows by binary search instead of a per-row map,
    so tombstones cost one byte per row and nothing else.
    """

    def __init__(self, index: MultiIndex, alive: npt.NDArray[np.bool_] | None = None) -> None:
        self.index = index
        self.alive = np.ones(len(index), dtype=np.bool_) if alive is None else alive
        self.dead = int(len(index) - self.alive.sum())

    def kill(self, gone: Ids) -> int:
        killed = _kill_sorted(self.index.ids, self.alive, gone)
        self.dead += killed
        return killed

    @property
    def live(self) -> int:
        return len(self.index) - self.dead

    @property
    def nbytes(self) -> int:
        return self.index.nbytes + self.alive.nbytes


@dataclass(frozen=True)
class IndexStats:
    """What an operator needs to judge the index: size, pending work, memory."""

    live: int
    main_codes: int
    recent_codes: int
    delta_codes: int
    dead_codes: int
    table_widths: tuple[int, ...]
    nbytes: int
    compacting: bool


@dataclass(frozen=True)
class _Snapshot:
    """The rows a compaction folds together; later adds and removes are replayed on top."""

    major: bool
    segments: tuple[tuple[MultiIndex, npt.NDArray[np.bool_]], ...]
    delta_rows: int
    delta_codes: Codes
    delta_ids: Ids
    delta_alive: npt.NDArray[np.bool_]


class PDQIndex(HashIndex):
    """Exact PDQ range search with instant adds, tombstoned removals and compaction.

    Three parts, searched together: ``main``, a multi-index over the bulk of the bank;
    ``recent``, a second, smaller multi-index; and ``delta``, a flat buffer that takes
    every ``add``. When the delta holds more than ``flat_max`` rows it is folded into
    ``recent`` (a rebuild proportional to ``recent``, ~1 s at 1M codes); when ``recent``,
    the delta and the tombstones together exceed ``max(delta_min, delta_fraction * main)``
    everything is folded into a new ``main`` (~10 s at 10M codes). The middle level keeps
    the flat scan short. Measured at 10M codes with 1/11 of them not yet in ``main``
    (benchmarks/bench_bank_matching.py): all of it in a flat delta, as a two-level
    design allows, gave 1.9 ms per query and ~520 batched queries/s per core; with
    ``recent`` holding all but 50k, 0.74 ms and ~1,270 queries/s (0.5 ms and ~1,500
    with everything in ``main``).

    Thread-safe: mutations and installs take a lock, while searches only hold it long
    enough to capture the current parts, so a long batch search never blocks ``add``.
    ``compact`` runs in the caller's thread; with ``background_compaction`` automatic
    compactions run in a worker thread, so ``add`` never waits for a rebuild.

    ``threads`` sets how many threads batched searches use and, because faiss's OpenMP
    pool is process-global, calls ``faiss.omp_set_num_threads`` — only when given.
    """

    def __init__(
        self,
        *,
        flat_max: int = 50_000,
        delta_min: int = 50_000,
        delta_fraction: float = 0.10,
        min_main: int = 100_000,
        design_threshold: int = 31,
        offset_bytes_per_code: int | None = None,
        threads: int | None = None,
        background_compaction: bool = False,
    ) -> None:
        if flat_max < 1 or delta_min < 1 or delta_fraction < 0 or min_main < 0:
            raise ValueError(
                "flat_max and delta_min must be positive, delta_fraction and min_main >= 0"
            )
        self.flat_max = flat_max
        self.delta_min = delta_min
        self.delta_fraction = delta_fraction
        self.min_main = min_main
        self.design_threshold = check_threshold(design_threshold)
        self.offset_bytes_per_code = offset_bytes_per_code
        self.background_compaction = background_compaction
        self._threads = 1
        if threads is not None:
            self.threads = threads
        self._lock = threading.RLock()
        self._main: _Segment | None = None
        self._recent: _Segment | None = None
        self._delta = _FlatPart()
        self._live = 0
        # Set while a compaction runs; waiters block on the event, never on a thread, so
        # a synchronous compaction in any caller thread can be waited for the same way.
        self._compaction: threading.Event | None = None
        self._removal_log: list[Ids] | None = None
        self._failed_pending = 0

    @classmethod
    def build(cls, ids: npt.ArrayLike, codes: npt.ArrayLike, **options: Any) -> PDQIndex:
        """Load a whole bank at once, straight into the main multi-index.

        Going through ``add`` would first copy every code into the delta buffer and then
        fold it again; at 10M codes that is an extra 0.4 GB at the moment of peak memory.
        """
        index = cls(**options)
        new_ids = as_ids(ids)
        if len(new_ids) < max(index.min_main, 1):
            index.add(new_ids, codes)
            return index
        new_codes = as_codes(codes)
        check_pair(new_ids, new_codes)
        main = index._build_segment(new_ids, new_codes)
        with index._lock:
            index._main = _Segment(main)
            index._live = len(main)
        return index

    @property
    def threads(self) -> int:
        return self._threads

    @threads.setter
    def threads(self, threads: int) -> None:
        """Threads for batched searches; also sets faiss's process-wide OpenMP pool."""
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self._threads = threads
        faiss.omp_set_num_threads(threads)

    # -- mutation -------------------------------------------------------------------

    def add(self, ids: npt.ArrayLike, codes: npt.ArrayLike) -> None:
        new_ids = as_ids(ids)
        if len(new_ids) == 0:
            return
        new_codes = as_codes(codes)
        check_pair(new_ids, new_codes)
        with self._lock:
            self._delta.append(new_ids, new_codes)
            self._live += len(new_ids)
            run_now = self._maybe_start_compaction()
        if run_now:
            self._compact(explicit=False)

    def remove(self, ids: npt.ArrayLike) -> None:
        gone = np.unique(as_ids(ids))
        if len(gone) == 0:
            return
        with self._lock:
            for segment in (self._main, self._recent):
                if segment is not None:
                    self._live -= segment.kill(gone)
            delta = self._delta
            hit = np.flatnonzero(np.isin(delta.ids[: delta.n], gone) & delta.alive[: delta.n])
            delta.alive[hit] = False
            self._live -= len(hit)
            if self._removal_log is not None:
                self._removal_log.append(gone)
        # Tombstones count towards the next full compaction, so removals can trigger one.
        with self._lock:
            run_now = self._maybe_start_compaction()
        if run_now:
            self._compact(explicit=False)

    def _pending(self) -> int:
        """Rows outside a clean main part: what a full compaction would clean up."""
        recent = 0 if self._recent is None else len(self._recent.index)
        main_dead = 0 if self._main is None else self._main.dead
        return self._delta.n + recent + main_dead

    def _due(self) -> str | None:
        """Which automatic compaction the current state calls for, if any."""
        if self._main is None:
            return "major" if self._delta.n > max(self.delta_min, self.min_main) else None
        if self._pending() > max(self.delta_min, self.delta_fraction * len(self._main.index)):
            return "major"
        if self._delta.n > self.flat_max:
            return "minor"
        return None

    def _maybe_start_compaction(self) -> bool:
        """Start an automatic compaction if due; True means the caller must run it."""
        if self._compaction is not None:
            return False
        due = self._due()
        if due is None:
            return False
        if self._failed_pending and self._pending() < 2 * self._failed_pending:
            return False  # back off after a failed rebuild instead of retrying every add
        if not self.background_compaction:
            return True
        snapshot = self._take_snapshot(major=due == "major")
        self._compaction = threading.Event()
        worker = threading.Thread(
            target=self._run_background, args=(snapshot,), name="pdq-compaction", daemon=True
        )
        worker.start()
        return False

    # -- compaction -----------------------------------------------------------------

    def compact(self) -> None:
        """Fold everything into a freshly built main part and drop all tombstones, now.

        Searches and adds from other threads keep working meanwhile; changes made during
        the rebuild are replayed onto the result before it is swapped in.
        """
        self._compact(explicit=True)

    def _compact(self, *, explicit: bool) -> None:
        while True:
            self.wait()
            with self._lock:
                if self._compaction is None:
                    if explicit:
                        if self._pending() == 0:
                            return
                        snapshot = self._take_snapshot(major=True)
                    else:
                        due = self._due()
                        if due is None:
                            return
                        snapshot = self._take_snapshot(major=due == "major")
                    self._compaction = threading.Event()
                    break
        try:
            built = self._fold(snapshot)
            with self._lock:
                self._install(snapshot, *built)
                self._failed_pending = 0
        finally:
            self._finish_compaction()

    def wait(self) -> None:
        """Block until a running compaction, if any, has been installed."""
        done = self._compaction
        if done is not None:
            done.wait()

    def _finish_compaction(self) -> None:
        with self._lock:
            done = self._compaction
            self._compaction = None
            self._removal_log = None
        if done is not None:
            done.set()

    def _take_snapshot(self, *, major: bool) -> _Snapshot:
        delta = self._delta
        folded = (self._main, self._recent) if major else (self._recent,)
        self._removal_log = []
        return _Snapshot(
            major=major,
            segments=tuple((s.index, s.alive.copy()) for s in folded if s is not None),
            delta_rows=delta.n,
            delta_codes=delta.codes[: delta.n],
            delta_ids=delta.ids[: delta.n],
            delta_alive=delta.alive[: delta.n].copy(),
        )

    def _run_background(self, snapshot: _Snapshot) -> None:
        try:
            built = self._fold(snapshot)
            with self._lock:
                self._install(snapshot, *built)
                self._failed_pending = 0
        except Exception:
            logger.exception("PDQ index compaction failed; the index stays correct but slower")
            with self._lock:
                self._failed_pending = max(self._pending(), 1)
        finally:
            self._finish_compaction()

    def _fold(self, snapshot: _Snapshot) -> tuple[Ids, Codes, MultiIndex | None]:
        """Collect the snapshot's live rows and build a multi-index over them if worth it."""
        code_parts = [index.codes[alive] for index, alive in snapshot.segments]
        id_parts = [index.ids[alive] for index, alive in snapshot.segments]
        code_parts.append(snapshot.delta_codes[snapshot.delta_alive])
        id_parts.append(snapshot.delta_ids[snapshot.delta_alive])
        ids = np.concatenate(id_parts)
        codes = np.concatenate(code_parts)
        del code_parts, id_parts
        # A full compaction of a small bank goes back to the flat part; a minor one
        # always builds ``recent``, which only exists next to a main part.
        floor = self.min_main if snapshot.major else 1
        if len(ids) < max(floor, 1):
            return ids, codes, None
        return ids, codes, self._build_segment(ids, codes)

    def _build_segment(self, ids: Ids, codes: Codes) -> MultiIndex:
        order = np.argsort(ids, kind="stable")
        layout = plan_layout(len(ids), self.design_threshold, self.offset_bytes_per_code)
        # The gathers leave the index owning fresh, id-sorted arrays.
        return MultiIndex(codes[order], ids[order], layout=layout, copy=False)

    def _install(
        self, snapshot: _Snapshot, ids: Ids, codes: Codes, built: MultiIndex | None
    ) -> None:
        """Swap in the folded rows and replay what happened since the snapshot."""
        replay = np.unique(np.concatenate(self._removal_log)) if self._removal_log else None
        old = self._delta
        tail = slice(snapshot.delta_rows, old.n)
        tail_rows = old.n - snapshot.delta_rows
        segment = None if built is None else _Segment(built)
        if segment is not None and replay is not None:
            segment.kill(replay)
        if snapshot.major:
            self._main, self._recent = segment, None
        else:
            self._recent = segment
        if snapshot.major and built is None:
            alive = np.ones(len(ids), dtype=np.bool_)
            if replay is not None:
                alive &= ~np.isin(ids, replay)
            delta = _FlatPart(max(_INITIAL_CAPACITY, len(ids) + tail_rows))
            delta.append(ids, codes, alive)
        else:
            delta = _FlatPart(max(_INITIAL_CAPACITY, tail_rows))
        delta.append(old.ids[tail], old.codes[tail], old.alive[tail])
        self._delta = delta
        self._live = sum(s.live for s in (self._main, self._recent) if s is not None) + int(
            delta.alive[: delta.n].sum()
        )

    # -- search ---------------------------------------------------------------------

    def search(self, codes: npt.ArrayLike, threshold: int) -> list[list[Match]]:
        limit = check_threshold(threshold)
        queries = as_codes(codes)
        with self._lock:
            segments = [(s.index, s.alive) for s in (self._main, self._recent) if s is not None]
            delta = self._delta
            n = delta.n
            delta_codes, delta_ids, delta_alive = delta.codes[:n], delta.ids[:n], delta.alive[:n]
        if len(queries) == 0:
            return []
        parts: list[tuple[npt.NDArray[np.int64], Ids, npt.NDArray[np.uint16]]] = []
        for index, alive in segments:
            if index.prefers_scan(limit, scan_cost=FAISS_SCAN_COST):
                hits = faiss_range_search(queries, index.codes, limit)
            else:
                hits = index.search_rows(queries, limit, threads=self._threads)
            parts.append(_live_hits(hits, index.ids, alive))
        if n:
            hits = faiss_range_search(queries, delta_codes, limit)
            parts.append(_live_hits(hits, delta_ids, delta_alive))
        if not parts:
            return [[] for _ in range(len(queries))]
        return group_matches(
            len(queries),
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    # -- introspection --------------------------------------------------------------

    def __len__(self) -> int:
        return self._live

    def stats(self) -> IndexStats:
        with self._lock:
            main, recent, delta = self._main, self._recent, self._delta
            segments = [s for s in (main, recent) if s is not None]
            delta_dead = int(delta.n - delta.alive[: delta.n].sum())
            return IndexStats(
                live=self._live,
                main_codes=0 if main is None else len(main.index),
                recent_codes=0 if recent is None else len(recent.index),
                delta_codes=delta.n,
                dead_codes=sum(s.dead for s in segments) + delta_dead,
                table_widths=() if main is None else main.index.layout.widths,
                nbytes=delta.nbytes + sum(s.nbytes for s in segments),
                compacting=self._compaction is not None,
            )


def _live_hits(
    hits: Hits, ids: Ids, alive: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], Ids, npt.NDArray[np.uint16]]:
    query_index, rows, distances = hits
    keep = alive[rows]
    return query_index[keep], ids[rows[keep]], distances[keep]


def _kill_sorted(sorted_ids: Ids, alive: npt.NDArray[np.bool_], gone: Ids) -> int:
    """Tombstone every row whose id is in ``gone``; returns how many were still alive."""
    lo = np.searchsorted(sorted_ids, gone, side="left")
    hi = np.searchsorted(sorted_ids, gone, side="right")
    lengths = hi - lo
    if not lengths.any():
        return 0
    ends = np.cumsum(lengths)
    rows = np.repeat(lo - ends + lengths, lengths) + np.arange(int(ends[-1]))
    killed = int(alive[rows].sum())
    alive[rows] = False
    return killed


__all__ = ["IndexStats", "PDQIndex", "faiss_range_search"]
