"""Benchmark PDQ bank matching at bank scale: PDQIndex against faiss IndexBinaryFlat.

Not part of the test suite. It answers the questions the design had to meet at 10M
hashes on a 2-core box: <= 4 GB RAM, <= 5 ms per single query, >= 500 batched queries/s
per core, and exact recall at Hamming <= 31.

Data follow the research note (section 2.4): uniformly random 256-bit codes; "planted"
queries are bank items with exactly ``i mod 32`` bits flipped (so d runs over 0..31,
including the hardest 28..31), and random queries should find nothing. Planted ground
truth is known by construction; on top, a subset of queries is compared with an exact
faiss scan of the whole bank (the "exact" column).

Usage::

    PYTHONPATH=src python benchmarks/bench_bank_matching.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Protocol

import faiss
import numpy as np
import numpy.typing as npt

from idolguard.matching import Match, PDQIndex
from idolguard.matching.pdq_index import faiss_range_search

THRESHOLD = 31
Codes = npt.NDArray[np.uint8]


# -- memory ---------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def rss_mib() -> float:
    return _status_kib("VmRSS") / 1024


def _trim() -> None:
    """Return freed heap to the OS so the next method's RSS growth is its own."""
    gc.collect()
    with suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_peak() -> bool:
    """Reset VmHWM (Linux >= 4.0) so the build's own peak can be read afterwards."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


@contextmanager
def measured_build() -> Iterator[dict[str, float]]:
    _trim()
    result: dict[str, float] = {}
    before = rss_mib()
    peak_ok = _reset_peak()
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start
    _trim()
    result["index_mib"] = rss_mib() - before
    result["peak_mib"] = _status_kib("VmHWM") / 1024 - before if peak_ok else float("nan")


# -- data -----------------------------------------------------------------------------


@dataclass
class Workload:
    ids: npt.NDArray[np.int64]
    codes: Codes
    queries: Codes  # planted first, then random
    sources: npt.NDArray[np.int64]  # bank row of each planted query
    flipped: npt.NDArray[np.int64]  # its exact distance from that row
    planted: int


def make_workload(n: int, queries: int, seed: int) -> Workload:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    # Sparse, non-contiguous ids as a bank would have; sorted order is not assumed.
    ids = rng.permutation(n).astype(np.int64) * 7 + 1_000_003
    planted = queries // 2
    sources = rng.integers(0, n, size=planted).astype(np.int64)
    flipped = np.arange(planted, dtype=np.int64) % (THRESHOLD + 1)
    planted_queries = codes[sources].copy()
    for i, d in enumerate(flipped):
        for bit in rng.choice(256, size=int(d), replace=False):
            planted_queries[i, bit // 8] ^= np.uint8(1 << (bit % 8))
    random_queries = rng.integers(0, 256, size=(queries - planted, 32), dtype=np.uint8)
    return Workload(
        ids, codes, np.concatenate([planted_queries, random_queries]), sources, flipped, planted
    )


# -- methods --------------------------------------------------------------------------


class Searcher(Protocol):
    def __call__(self, queries: Codes) -> list[list[Match]]: ...


@dataclass
class Method:
    name: str
    search: Searcher
    set_threads: Callable[[int], None]
    keep: object  # the index, kept alive while measured


def build_pdq(work: Workload, pending: bool = False, **options: object) -> Method:
    """``pending`` leaves as much outside the main part as the default automatic
    compaction allows, 1/11 of the bank (10 % of main): first all but ``flat_max`` codes
    in one ``add`` (folded into the ``recent`` multi-index if that exceeds ``flat_max``),
    then a full flat part. This is the slowest state the index is ever in."""
    n = len(work.ids)
    split = -(-n * 10 // 11) if pending else n
    index = PDQIndex.build(work.ids[:split], work.codes[:split], **options)
    if split < n:
        flat = min(index.flat_max, n - split)
        index.add(work.ids[split : n - flat], work.codes[split : n - flat])
        index.add(work.ids[n - flat :], work.codes[n - flat :])
        stats = index.stats()
        assert stats.main_codes == split, f"unexpected full compaction: {stats}"

    def set_threads(threads: int) -> None:
        index.threads = threads

    return Method("", lambda q: index.search(q, THRESHOLD), set_threads, index)


def build_flat(work: Workload) -> Method:
    index = faiss.IndexBinaryFlat(256)
    index.add(work.codes)
    ids = work.ids

    def search(queries: Codes) -> list[list[Match]]:
        lims, distances, rows = index.range_search(queries, THRESHOLD + 1)  # strict radius
        out: list[list[Match]] = []
        for q in range(len(queries)):
            found = sorted(
                zip(
                    distances[lims[q] : lims[q + 1]].tolist(),
                    ids[rows[lims[q] : lims[q + 1]]].tolist(),
                    strict=True,
                )
            )
            out.append([Match(int(i), int(d)) for d, i in found])
        return out

    return Method("", search, faiss.omp_set_num_threads, index)


# -- measurements ---------------------------------------------------------------------


@dataclass
class Row:
    n: int
    method: str
    build_s: float
    index_mib: float
    peak_mib: float
    single_median_ms: float
    single_p95_ms: float
    batch_qps_1: float
    batch_qps_2: float
    recall: float
    recall_hard: float
    exact: str


def measure(work: Workload, method: Method, build: dict[str, float], verify: int) -> Row:
    method.set_threads(1)
    queries = work.queries
    for q in queries[:20]:  # warm caches and per-threshold plans
        method.search(q[None, :])
    times = []
    for q in queries:
        start = time.perf_counter()
        method.search(q[None, :])
        times.append(time.perf_counter() - start)
    times_ms = np.array(times) * 1000

    def batch_qps() -> float:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            method.search(queries)
            runs.append(time.perf_counter() - start)
        return len(queries) / statistics.median(runs)

    qps_1 = batch_qps()
    method.set_threads(2)
    qps_2 = batch_qps()
    method.set_threads(1)

    results = method.search(queries)
    found = np.array(
        [
            Match(int(work.ids[src]), int(d)) in results[i]
            for i, (src, d) in enumerate(zip(work.sources, work.flipped, strict=True))
        ]
    )
    hard = work.flipped >= 28
    exact = verify_exact(work, results, verify)
    return Row(
        n=len(work.ids),
        method=method.name,
        build_s=build["seconds"],
        index_mib=build["index_mib"],
        peak_mib=build["peak_mib"],
        single_median_ms=float(np.median(times_ms)),
        single_p95_ms=float(np.percentile(times_ms, 95)),
        batch_qps_1=qps_1,
        batch_qps_2=qps_2,
        recall=float(found.mean()),
        recall_hard=float(found[hard].mean()),
        exact=exact,
    )


def verify_exact(work: Workload, results: list[list[Match]], verify: int) -> str:
    """Compare results with an exact faiss scan of the whole bank on a query subset.

    Half of the subset is planted, half random; "k/k" means every verified query returned
    exactly the scan's ids and distances, and random queries are counted as empty or not.
    """
    half = verify // 2
    picks = np.r_[0:half, work.planted : work.planted + half]
    picks = picks[picks < len(work.queries)]
    query_index, rows, distances = faiss_range_search(
        np.ascontiguousarray(work.queries[picks]), work.codes, THRESHOLD
    )
    truth: list[set[tuple[int, int]]] = [set() for _ in picks]
    for q, row, d in zip(query_index.tolist(), rows.tolist(), distances.tolist(), strict=True):
        truth[q].add((int(work.ids[row]), int(d)))
    agree = sum(
        {tuple(m) for m in results[int(p)]} == truth[k] for k, p in enumerate(picks.tolist())
    )
    random_hits = sum(len(results[int(p)]) for p in picks.tolist() if p >= work.planted)
    return f"{agree}/{len(picks)}, rnd hits {random_hits}"


# -- report ---------------------------------------------------------------------------

HEADER = (
    "N",
    "method",
    "build s",
    "index MiB",
    "B/hash",
    "build peak MiB",
    "single ms med",
    "p95",
    "batch q/s 1 thr",
    "2 thr",
    "recall<=31",
    "d=28..31",
    "exact vs scan",
)


def format_row(row: Row) -> tuple[str, ...]:
    return (
        f"{row.n:,}",
        row.method,
        f"{row.build_s:.2f}",
        f"{row.index_mib:.0f}",
        f"{row.index_mib * 2**20 / row.n:.0f}",
        f"{row.peak_mib:.0f}",
        f"{row.single_median_ms:.3f}",
        f"{row.single_p95_ms:.3f}",
        f"{row.batch_qps_1:,.0f}",
        f"{row.batch_qps_2:,.0f}",
        f"{row.recall:.3f}",
        f"{row.recall_hard:.3f}",
        row.exact,
    )


def print_table(rows: list[tuple[str, ...]]) -> None:
    table = [HEADER, *rows]
    widths = [max(len(r[c]) for r in table) for c in range(len(HEADER))]
    line = "+".join("-" * (w + 2) for w in widths)
    for i, r in enumerate(table):
        print(
            " | ".join(
                cell.rjust(w) if c != 1 else cell.ljust(w)
                for c, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if i == 0:
            print(line)
    sys.stdout.flush()


def run_size(n: int, args: argparse.Namespace, variants: list[str]) -> list[tuple[str, ...]]:
    start = time.perf_counter()
    work = make_workload(n, args.queries, args.seed)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nN={n:,}: data generated in {time.perf_counter() - start:.1f} s; "
        f"load average before: {load} (other processes share this machine)",
        flush=True,
    )
    builders: list[tuple[str, Callable[[Workload], Method]]] = []
    if n <= args.flat_max:
        builders.append(("faiss IndexBinaryFlat", build_flat))
    if "default" in variants:
        builders.append(("PDQIndex", build_pdq))
    if "pending" in variants:
        builders.append(("PDQIndex, 1/11 pending", lambda w: build_pdq(w, pending=True)))
    if "wide" in variants:
        builders.append(
            ("PDQIndex, 48 B/code offsets", lambda w: build_pdq(w, offset_bytes_per_code=48))
        )
    rows = []
    for name, build in builders:
        with measured_build() as built:
            method = build(work)
        if isinstance(method.keep, PDQIndex):
            stats = method.keep.stats()
            widths = sorted(set(stats.table_widths))
            name += f" [{len(stats.table_widths)}x{'/'.join(map(str, widths))} bit"
            if stats.recent_codes or stats.delta_codes:
                name += f"; recent {stats.recent_codes:,}, flat {stats.delta_codes:,}"
            name += "]"
        method.name = name
        row = format_row(measure(work, method, built, args.verify))
        print("  " + " | ".join(row), flush=True)
        rows.append(row)
        del method
        _trim()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated bank sizes")
    parser.add_argument("--queries", type=int, default=1000, help="half planted, half random")
    parser.add_argument("--verify", type=int, default=200, help="queries checked by full scan")
    parser.add_argument(
        "--flat-max", type=int, default=1_000_000, help="largest N for the faiss Flat baseline"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--variants",
        default="default,pending,wide",
        help="PDQIndex variants: default (all in the main multi-index), pending (1/11 of "
        "the bank in the recent multi-index and a full flat part: the worst case just "
        "before a full compaction), wide (48 B/code of offsets: fewer, wider tables)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    variants = [v for v in args.variants.split(",") if v]
    print(
        f"threshold <= {THRESHOLD}; {args.queries} queries ({args.queries // 2} planted at "
        f"d = i mod 32, rest random); single-query latency on 1 thread; batched = one call "
        f"with all {args.queries} queries, median of 3; faiss {faiss.__version__}, "
        f"numpy {np.__version__}"
    )
    rows: list[tuple[str, ...]] = []
    for n in sizes:
        rows.extend(run_size(n, args, variants))
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
