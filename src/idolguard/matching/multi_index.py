"""Multi-index hashing in packed numpy arrays: exact sub-linear range search at 10M codes.

Why this and not faiss ``IndexBinaryMultiHash``: the research note (section 2.4) measured
the faiss structure at 2.6 GB for 10M codes (6.4 GB through pytx) and only ~200 batched
queries/s, because every bucket is a separate heap object. Here every table is two flat
arrays (CSR): ``offsets`` with one entry per possible substring value, and ``perm``, the
row numbers ordered by substring. A bucket is the slice ``perm[offsets[k]:offsets[k+1]]``,
so a lookup is two array reads and a whole batch of queries is a handful of vectorised
numpy calls. At 10M codes with 12 tables this is ~100 bytes per code in total.

Exactness comes from the pigeonhole principle: the 256 bits are cut into ``m``
substrings, and if two codes are within ``t`` bits then at least one substring differs in
at most ``t // m`` bits. Probing every key within ``t // m`` flips of each query substring
therefore finds every true match; an exact distance check then drops the false ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from typing import Final

import numpy as np
import numpy.typing as npt

from idolguard.matching.base import Ids, Match, as_ids, check_pair, check_threshold, group_matches
from idolguard.matching.codes import (
    PDQ_BITS,
    PDQ_WORDS,
    Codes,
    as_codes,
    as_words,
    pair_distances,
    row_distances,
)

Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint16]]
"""``(query_index, row, distance)`` for every code within the threshold."""

# Relative per-query costs for the layout planner, fitted to timings with numpy 2.4 on a
# 2-vCPU Xeon (one unit is ~32 ns there): a candidate is one random 32-byte gather plus a
# few vectorised operations; a probe reads ``offsets`` and the start of a run of ``perm``
# and costs a third (single queries) to a half (batches) of that; numpy scans a row
# sequentially in ~22 ns. Only the ratios matter. The batch figure is used: at 1M codes
# it picks 16 tables (faster batches, less memory) over 13 (slightly faster singles).
PROBE_COST: Final = 0.5
CANDIDATE_COST: Final = 1.0
NUMPY_SCAN_COST: Final = 0.7

# Offsets cost 4 bytes per possible key whether or not any code uses it, so wide tables
# only pay off for large banks: cap them relative to the bank, with a floor so small
# banks may still use 16-bit tables. 16 B/code keeps 10M codes at ~100 B/code in total
# (12 tables); 48 B/code allows 11 tables of 23-24 bits, ~2.5x the throughput at ~130 B.
OFFSET_BYTES_PER_CODE: Final = 16
OFFSET_BYTES_FLOOR: Final = 64 << 20
MAX_WIDTH: Final = 28
MIN_TABLES: Final = 8
MAX_TABLES: Final = 32

# Keeps per-chunk temporaries (candidate positions, gathered codes) to tens of MB.
CANDIDATES_PER_CHUNK: Final = 1 << 19
PROBES_PER_CHUNK: Final = 1 << 20
MAX_PROBE_MASKS: Final = 1 << 18


def split_widths(tables: int) -> tuple[int, ...]:
    """Cut 256 bits into ``tables`` nearly equal substrings.

    When the table count divides the four 64-bit words evenly, substrings stay inside a
    word; that saves nothing at query time (keys are extracted through a 128-bit window
    anyway) but makes the layout easy to read next to a printed hash.
    """
    if not 1 <= tables <= PDQ_BITS:
        raise ValueError(f"table count must be in 1..{PDQ_BITS}, got {tables}")
    if tables % PDQ_WORDS == 0:
        return _even(64, tables // PDQ_WORDS) * PDQ_WORDS
    return _even(PDQ_BITS, tables)


def _even(total: int, parts: int) -> tuple[int, ...]:
    base, extra = divmod(total, parts)
    return tuple(base + 1 if i < extra else base for i in range(parts))


@dataclass(frozen=True)
class Layout:
    """How the 256 bits are cut into tables; cost estimates assume uniformly random codes.

    Real PDQ banks are skewed (near-duplicates, flat images). That makes buckets uneven
    and candidate counts higher than estimated, but never breaks exactness.
    """

    widths: tuple[int, ...]
    starts: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        if sum(self.widths) > PDQ_BITS or any(not 1 <= w <= MAX_WIDTH for w in self.widths):
            raise ValueError(f"invalid substring widths {self.widths}")
        starts = tuple(int(s) for s in np.cumsum((0, *self.widths[:-1])))
        object.__setattr__(self, "starts", starts)

    @property
    def tables(self) -> int:
        return len(self.widths)

    def flips(self, threshold: int) -> int:
        """Bit flips to probe per substring so that nothing within ``threshold`` is missed."""
        return threshold // self.tables

    def probes(self, threshold: int) -> int:
        k = self.flips(threshold)
        return sum(_ball(w, k) for w in self.widths)

    def expected_candidates(self, n: int, threshold: int) -> float:
        k = self.flips(threshold)
        return sum(n * _ball(w, k) / float(1 << w) for w in self.widths)

    def cost(self, n: int, threshold: int) -> float:
        """Estimated work per query, in units of one random candidate check."""
        return PROBE_COST * self.probes(threshold) + CANDIDATE_COST * self.expected_candidates(
            n, threshold
        )

    def offsets_bytes(self) -> int:
        return sum(4 * (2**w + 1) for w in self.widths)


def _ball(width: int, flips: int) -> int:
    """Keys within ``flips`` bits of a ``width``-bit key."""
    return sum(math.comb(width, j) for j in range(min(flips, width) + 1))


def plan_layout(n: int, threshold: int = 31, offset_bytes_per_code: int | None = None) -> Layout:
    """Pick the table count with the lowest estimated query cost at ``threshold``.

    More tables mean narrower keys: fewer probes (``threshold // m`` drops) but more
    candidates per probe (``n / 2**width``) and less offsets memory (``2**width``). With
    the measured costs, banks up to ~2M codes get 16 tables of 16 bits and 10M codes
    12 tables of 21-22 bits.
    """
    per_code = OFFSET_BYTES_PER_CODE if offset_bytes_per_code is None else offset_bytes_per_code
    budget = max(OFFSET_BYTES_FLOOR, per_code * n)
    best: Layout | None = None
    best_cost = math.inf
    for tables in range(MIN_TABLES, MAX_TABLES + 1):
        widths = split_widths(tables)
        if max(widths) > MAX_WIDTH:
            continue
        layout = Layout(widths)
        if layout.offsets_bytes() > budget:
            continue
        cost = layout.cost(n, threshold)
        if cost < best_cost:
            best, best_cost = layout, cost
    assert best is not None  # 32 tables of 8 bits always fit the budget floor
    return best


def _big_endian_words(codes: Codes) -> npt.NDArray[np.uint64]:
    """Words in printed bit order, with a zero fifth word so every window can read ahead."""
    words = np.zeros((len(codes), PDQ_WORDS + 1), dtype=np.uint64)
    words[:, :PDQ_WORDS] = codes.view(">u8")
    return words


def _flip_masks(width: int, flips: int) -> npt.NDArray[np.int64]:
    masks = [0]
    for count in range(1, min(flips, width) + 1):
        masks.extend(sum(1 << bit for bit in bits) for bits in combinations(range(width), count))
    return np.asarray(masks, dtype=np.int64)


def _expand_ranges(
    starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Concatenate ``arange(s, s + l)`` for all ranges without a Python loop."""
    ends = np.cumsum(lengths)
    shift = starts - ends + lengths
    return np.repeat(shift, lengths) + np.arange(int(ends[-1]) if len(ends) else 0)


@dataclass(frozen=True)
class _Plan:
    """What one threshold needs at query time, computed once per index and threshold."""

    chunk: int
    probe_tables: npt.NDArray[np.int64]
    probe_masks: npt.NDArray[np.int64]
    probe_bases: npt.NDArray[np.int64]


class MultiIndex:
    """Immutable multi-index over a fixed set of codes.

    Immutability is what makes the packed layout cheap: building is one sort per table
    and there is no per-bucket slack for inserts. Callers that need to add codes keep the
    new ones elsewhere and rebuild occasionally (see ``PDQIndex``).
    """

    def __init__(
        self,
        codes: npt.ArrayLike,
        ids: npt.ArrayLike | None = None,
        *,
        layout: Layout | None = None,
        design_threshold: int = 31,
        copy: bool = True,
    ) -> None:
        array = as_codes(codes)
        self._codes: Codes = array.copy() if copy else array
        n = len(self._codes)
        if n >= 2**32:
            raise ValueError("a multi-index holds fewer than 2**32 codes; shard larger banks")
        if ids is None:
            self._ids: Ids = np.arange(n, dtype=np.int64)
        else:
            self._ids = as_ids(ids).copy() if copy else as_ids(ids)
            check_pair(self._ids, self._codes)
        self.layout = layout if layout is not None else plan_layout(n, design_threshold)
        self._words = as_words(self._codes)
        # One 32-byte item per row: np.take over it is ~4x faster than fancy indexing
        # of an (n, 4) array, and the gather is the dominant cost of a query.
        self._rows32 = self._codes.view(np.dtype((np.void, 32))).reshape(n)
        self._bases = np.cumsum([0] + [2**w + 1 for w in self.layout.widths[:-1]]).astype(np.int64)
        total_positions = n * self.layout.tables
        position_dtype = np.uint32 if total_positions < 2**32 else np.int64
        self._offsets = np.empty(self.layout.offsets_bytes() // 4, dtype=position_dtype)
        self._perm = np.empty(total_positions, dtype=np.uint32)
        self._build()
        for frozen in (self._codes, self._ids, self._offsets, self._perm):
            frozen.flags.writeable = False
        self._window_word = np.array([s // 64 for s in self.layout.starts], dtype=np.int64)
        self._window_shift = np.array([s % 64 for s in self.layout.starts], dtype=np.uint64)
        self._key_shift = np.array([64 - w for w in self.layout.widths], dtype=np.uint64)
        self._plans: dict[int, _Plan] = {}
        self._costs: dict[int, float] = {}

    def _build(self) -> None:
        """Fill ``perm`` and ``offsets`` one table at a time, keeping temporaries to ~5 copies
        of an ``n``-element ``uint64`` array (about 0.4 GB at 10M codes)."""
        n = len(self._codes)
        rows = np.arange(n, dtype=np.uint64)
        row_mask = np.uint64(0xFFFFFFFF)
        columns: dict[int, npt.NDArray[np.uint64]] = {}
        for table, (start, width) in enumerate(
            zip(self.layout.starts, self.layout.widths, strict=True)
        ):
            word, offset = divmod(start, 64)
            for stale in [w for w in columns if w < word]:
                del columns[stale]
            keys = self._table_keys(columns, word, offset, width)
            base = int(self._bases[table])
            segment = self._offsets[base : base + 2**width + 1]
            segment[0] = table * n
            segment[1:] = np.cumsum(np.bincount(keys, minlength=2**width)) + table * n
            # Sorting (key << 32 | row) orders rows by key and, within a bucket, by row,
            # so later gathers move forward through memory; numpy 2's vectorised sort of
            # plain integers is also faster than argsort.
            packed = keys.astype(np.uint64)
            del keys
            packed <<= np.uint64(32)
            packed |= rows
            packed.sort()
            packed &= row_mask
            self._perm[table * n : (table + 1) * n] = packed
            del packed

    def _table_keys(
        self, columns: dict[int, npt.NDArray[np.uint64]], word: int, offset: int, width: int
    ) -> npt.NDArray[np.int64]:
        """One table's keys for every row, reading at most two big-endian word columns."""

        def column(index: int) -> npt.NDArray[np.uint64]:
            if index not in columns:
                raw = np.ascontiguousarray(self._codes[:, 8 * index : 8 * index + 8])
                columns[index] = raw.view(">u8").reshape(-1).astype(np.uint64)
            return columns[index]

        window = column(word) << np.uint64(offset)
        if offset + width > 64:
            window |= column(word + 1) >> np.uint64(64 - offset)
        window >>= np.uint64(64 - width)
        return window.astype(np.int64)

    @property
    def codes(self) -> Codes:
        return self._codes

    @property
    def ids(self) -> Ids:
        return self._ids

    @property
    def nbytes(self) -> int:
        """Bytes held by the index arrays, codes and ids included."""
        return sum(a.nbytes for a in (self._codes, self._ids, self._offsets, self._perm))

    def __len__(self) -> int:
        return len(self._codes)

    def prefers_scan(self, threshold: int, scan_cost: float = NUMPY_SCAN_COST) -> bool:
        """Whether a linear scan costing ``scan_cost`` per row beats probing here.

        Probes grow combinatorially with ``threshold // tables``: at 52 bits a 1M-code
        index with 16 tables checks ~170k candidates per query, while faiss scans the
        same million rows in ~1.3 ms.
        """
        limit = check_threshold(threshold)
        cost = self._costs.get(limit)
        if cost is None:
            n = len(self)
            too_many = self.layout.probes(limit) > MAX_PROBE_MASKS
            cost = math.inf if too_many else self.layout.cost(n, limit) / max(n, 1)
            self._costs[limit] = cost
        return cost > scan_cost

    def _plan(self, limit: int) -> _Plan:
        plan = self._plans.get(limit)
        if plan is None:
            n = len(self)
            layout = self.layout
            probes = layout.probes(limit)
            flips = layout.flips(limit)
            tables: list[npt.NDArray[np.int64]] = []
            masks: list[npt.NDArray[np.int64]] = []
            for table, width in enumerate(layout.widths):
                table_masks = _flip_masks(width, flips)
                masks.append(table_masks)
                tables.append(np.full(len(table_masks), table, dtype=np.int64))
            probe_tables = np.concatenate(tables)
            expected = max(layout.expected_candidates(n, limit), 1.0)
            chunk = max(1, min(int(CANDIDATES_PER_CHUNK / expected), PROBES_PER_CHUNK // probes))
            plan = _Plan(chunk, probe_tables, np.concatenate(masks), self._bases[probe_tables])
            self._plans[limit] = plan
        return plan

    def search_rows(self, codes: npt.ArrayLike, threshold: int, *, threads: int = 1) -> Hits:
        """Every ``(query, row, distance)`` within ``threshold``; a row may repeat.

        Duplicates (a code found through several tables) are left to the caller, which
        usually merges hits from other sources anyway and deduplicates once.
        """
        limit = check_threshold(threshold)
        queries = as_codes(codes)
        if len(self) == 0 or len(queries) == 0:
            return _no_hits()
        if self.prefers_scan(limit):
            return self._scan(queries, limit)
        plan = self._plan(limit)
        step = plan.chunk
        if threads > 1:
            # Several chunks per thread, so an uneven last chunk does not idle a core.
            step = max(1, min(step, -(-len(queries) // (4 * threads))))
        bounds = [(s, min(s + step, len(queries))) for s in range(0, len(queries), step)]
        if threads > 1 and len(bounds) > 1:
            # numpy releases the GIL inside take, sort and ufunc loops, which is where a
            # chunk spends its time, so plain threads scale without copying the index.
            with ThreadPoolExecutor(max_workers=threads) as pool:
                parts = list(pool.map(lambda b: self._probe(queries, b, limit, plan), bounds))
        else:
            parts = [self._probe(queries, b, limit, plan) for b in bounds]
        return _concat_hits(parts)

    def _probe(self, queries: Codes, bounds: tuple[int, int], limit: int, plan: _Plan) -> Hits:
        start, stop = bounds
        chunk = queries[start:stop]
        words = _big_endian_words(chunk)
        # All keys of all tables at once: a 64-bit window starting at each table's first
        # bit (reading into the next word), shifted down to the table's width.
        window = (words[:, self._window_word] << self._window_shift) | (
            words[:, self._window_word + 1] >> (np.uint64(64) - self._window_shift)
        )
        keys = (window >> self._key_shift).astype(np.int64)
        slots = (keys[:, plan.probe_tables] ^ plan.probe_masks) + plan.probe_bases
        begins = np.take(self._offsets, slots).astype(np.int64)
        lengths = np.take(self._offsets, slots + 1).astype(np.int64) - begins
        positions = _expand_ranges(begins.ravel(), lengths.ravel())
        rows = np.take(self._perm, positions).astype(np.int64)
        candidates = np.take(self._rows32, rows).view(np.uint64).reshape(-1, PDQ_WORDS)
        query_words = as_words(chunk)
        if len(chunk) == 1:
            distances = row_distances(candidates, query_words[0])
            keep = np.flatnonzero(distances <= limit)
            query_index = np.full(len(keep), start, dtype=np.int64)
        else:
            owner = np.repeat(np.arange(len(chunk), dtype=np.int64), lengths.sum(axis=1))
            distances = pair_distances(candidates, np.take(query_words, owner, axis=0))
            keep = np.flatnonzero(distances <= limit)
            query_index = owner[keep] + start
        return query_index, rows[keep], distances[keep]

    def _scan(self, queries: Codes, limit: int) -> Hits:
        parts: list[Hits] = []
        for position, query in enumerate(as_words(queries)):
            distances = row_distances(self._words, query)
            rows = np.flatnonzero(distances <= limit)
            parts.append((np.full(len(rows), position, np.int64), rows, distances[rows]))
        return _concat_hits(parts)

    def search(
        self, codes: npt.ArrayLike, threshold: int, *, threads: int = 1
    ) -> list[list[Match]]:
        """Per query, ids within ``threshold`` bits, by distance then id, each id once."""
        queries = as_codes(codes)
        query_index, rows, distances = self.search_rows(queries, threshold, threads=threads)
        return group_matches(len(queries), query_index, self._ids[rows], distances)


def _no_hits() -> Hits:
    return (
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.uint16),
    )


def _concat_hits(parts: Sequence[Hits]) -> Hits:
    if not parts:
        return _no_hits()
    if len(parts) == 1:
        return parts[0]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
