"""PDQIndex against the linear reference through adds, removals and compactions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import faiss
import numpy as np
import pytest

from idolguard.matching import LinearHashIndex, Match, PDQIndex
from idolguard.matching.pdq_index import faiss_range_search

THRESHOLDS = [0, 20, 31, 52]


def _same(index: PDQIndex, reference: LinearHashIndex, queries: np.ndarray) -> None:
    assert len(index) == len(reference)
    for threshold in THRESHOLDS:
        assert index.search(queries, threshold) == reference.search(queries, threshold)


def _small_main(**options: Any) -> PDQIndex:
    """Thresholds scaled down so a few thousand codes exercise the multi-index path."""
    defaults: dict[str, Any] = {
        "flat_max": 100,
        "delta_min": 300,
        "delta_fraction": 0.1,
        "min_main": 1000,
    }
    return PDQIndex(**(defaults | options))


def test_small_bank_stays_flat_and_matches(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(2000)
    index = PDQIndex()
    reference = LinearHashIndex()
    index.add(bank.ids, bank.codes)
    reference.add(bank.ids, bank.codes)
    assert index.stats().main_codes == 0
    _same(index, reference, bank.queries)


def test_bulk_build_uses_the_multi_index(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(4000)
    index = PDQIndex.build(bank.ids, bank.codes, min_main=1000)
    reference = LinearHashIndex()
    reference.add(bank.ids, bank.codes)
    stats = index.stats()
    assert stats.main_codes == 4000 and stats.delta_codes == 0
    assert stats.table_widths
    _same(index, reference, bank.queries)


def test_random_operation_sequence(
    rng: np.random.Generator, bank_factory: Callable[..., Any]
) -> None:
    """Adds, duplicate ids, removals, re-adds and auto-compactions, checked at every step."""
    bank = bank_factory(6000)
    index = _small_main()
    reference = LinearHashIndex()
    cursor = 0
    majors = minors = 0
    last = index.stats()
    for step in range(30):
        size = int(rng.integers(1, 500))
        ids = bank.ids[cursor : cursor + size]
        codes = bank.codes[cursor : cursor + size]
        cursor = (cursor + size) % (len(bank.ids) - 500)
        if step % 4 == 3:
            ids = ids[: len(ids) // 2 + 1]  # a second code under an existing id
            codes = bank.codes[rng.integers(0, len(bank.codes), len(ids))]
        index.add(ids, codes)
        reference.add(ids, codes)
        if step % 3 == 2:
            live = bank.ids[: cursor + 1]
            gone = rng.choice(live, size=min(len(live), 40), replace=False)
            gone = np.concatenate([gone, [10**12]])  # an unknown id is ignored
            index.remove(gone)
            reference.remove(gone)
        stats = index.stats()
        if stats.main_codes != last.main_codes:
            majors += 1
        elif stats.recent_codes != last.recent_codes:
            minors += 1
        last = stats
        _same(index, reference, bank.queries)
    assert majors >= 2 and minors >= 2
    index.compact()
    stats = index.stats()
    assert (stats.recent_codes, stats.delta_codes, stats.dead_codes) == (0, 0, 0)
    _same(index, reference, bank.queries)


def test_added_codes_are_matchable_immediately(
    bank_factory: Callable[..., Any], flip: Callable[..., np.ndarray]
) -> None:
    bank = bank_factory(3000)
    index = PDQIndex.build(bank.ids, bank.codes, min_main=1000, delta_min=10_000)
    fresh = flip(bank.queries[0], 17)
    index.add([123_456_789], fresh)
    assert index.stats().delta_codes == 1
    assert Match(123_456_789, 17) in index.search(bank.queries[0], 31)[0]


def test_same_id_in_main_and_delta_is_reported_once(flip: Callable[..., np.ndarray]) -> None:
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 256, size=(1500, 32), dtype=np.uint8)
    index = PDQIndex.build(np.arange(1500), codes, min_main=1000, delta_min=10_000)
    query = codes[10]
    index.add([10], flip(query, 0)[None, :])  # closer variant in delta: distance 0 again
    index.add([11], flip(query, 5)[None, :])
    assert index.search(query, 31)[0] == [Match(10, 0), Match(11, 5)]


def test_remove_then_re_add_the_same_id(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(2500)
    index = PDQIndex.build(bank.ids, bank.codes, min_main=1000, delta_min=10_000)
    target = int(bank.ids[0])
    index.remove([target])
    assert all(m.id != target for m in index.search(bank.codes[0], 0)[0])
    index.add([target], bank.codes[0])
    assert Match(target, 0) in index.search(bank.codes[0], 0)[0]
    index.compact()
    assert Match(target, 0) in index.search(bank.codes[0], 0)[0]
    assert len(index) == 2500


def test_empty_index() -> None:
    index = PDQIndex()
    assert len(index) == 0
    assert index.search(np.zeros((2, 32), np.uint8), 31) == [[], []]
    index.compact()
    index.remove([1, 2])
    index.add(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
    assert index.stats().live == 0


def test_removing_everything_from_the_main_part(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(1200)
    index = PDQIndex.build(bank.ids, bank.codes, min_main=1000, delta_min=10_000)
    index.remove(bank.ids)
    assert len(index) == 0
    assert index.search(bank.queries, 52) == [[] for _ in bank.queries]
    index.compact()
    assert index.stats().main_codes == 0 and index.stats().delta_codes == 0


@pytest.mark.parametrize("kind", ["major", "minor"])
def test_changes_during_a_background_compaction_are_replayed(
    bank_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    bank = bank_factory(4000)
    # A major compaction folds everything into main; a minor one only folds the flat
    # part into ``recent`` (flat_max 500 < 1100 new rows < the 10 % of main limit).
    options = {"delta_min": 1000} if kind == "major" else {"flat_max": 500, "delta_fraction": 1}
    index = _small_main(background_compaction=True, **options)
    reference = LinearHashIndex()
    index.add(bank.ids[:2000], bank.codes[:2000])
    reference.add(bank.ids[:2000], bank.codes[:2000])
    index.compact()

    started, release = threading.Event(), threading.Event()
    fold = index._fold

    def slow_fold(snapshot: Any) -> Any:
        started.set()
        assert release.wait(10)
        return fold(snapshot)

    monkeypatch.setattr(index, "_fold", slow_fold)
    index.add(bank.ids[2000:3100], bank.codes[2000:3100])  # over the limit: compaction starts
    reference.add(bank.ids[2000:3100], bank.codes[2000:3100])
    assert started.wait(10)
    assert index.stats().compacting
    # While the rebuild runs: remove old and new rows, add more, re-add a removed id.
    gone = np.concatenate([bank.ids[:50], bank.ids[2000:2050], bank.ids[3100:3110]])
    index.add(bank.ids[3100:3400], bank.codes[3100:3400])
    reference.add(bank.ids[3100:3400], bank.codes[3100:3400])
    index.remove(gone)
    reference.remove(gone)
    index.add(bank.ids[:5], bank.codes[:5])
    reference.add(bank.ids[:5], bank.codes[:5])
    _same(index, reference, bank.queries)
    release.set()
    index.wait()
    stats = index.stats()
    # The rebuild folded the rows of its snapshot; removals made meanwhile were replayed
    # onto it as tombstones, and later adds stayed in the flat part.
    assert not stats.compacting
    if kind == "major":
        assert (stats.main_codes, stats.recent_codes) == (3100, 0)
    else:
        assert (stats.main_codes, stats.recent_codes) == (2000, 1100)
    assert (stats.delta_codes, stats.dead_codes) == (305, 110)
    _same(index, reference, bank.queries)
    monkeypatch.undo()
    index.compact()
    assert index.stats().main_codes == len(reference)
    _same(index, reference, bank.queries)


def test_a_failed_background_compaction_keeps_the_index_correct(
    bank_factory: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bank = bank_factory(3000)
    index = _small_main(background_compaction=True)

    def broken_fold(snapshot: Any) -> Any:
        raise MemoryError("simulated")

    monkeypatch.setattr(index, "_fold", broken_fold)
    reference = LinearHashIndex()
    with caplog.at_level(logging.ERROR):
        index.add(bank.ids[:1500], bank.codes[:1500])
        index.wait()
        index.add(bank.ids[1500:1600], bank.codes[1500:1600])  # backs off: no second attempt
        index.wait()
    reference.add(bank.ids[:1600], bank.codes[:1600])
    assert sum("compaction failed" in r.message for r in caplog.records) == 1
    assert index.stats().main_codes == 0
    _same(index, reference, bank.queries)


def test_threads_option_sets_faiss_threads_only_when_asked(
    bank_factory: Callable[..., Any],
) -> None:
    before = faiss.omp_get_max_threads()
    try:
        PDQIndex()
        assert faiss.omp_get_max_threads() == before
        bank = bank_factory(3000, random_queries=300)
        index = PDQIndex.build(bank.ids, bank.codes, min_main=1000, threads=2)
        assert faiss.omp_get_max_threads() == 2
        reference = LinearHashIndex()
        reference.add(bank.ids, bank.codes)
        assert index.search(bank.queries, 31) == reference.search(bank.queries, 31)
    finally:
        faiss.omp_set_num_threads(before)


def test_faiss_range_search_is_inclusive(flip: Callable[..., np.ndarray]) -> None:
    base = np.zeros(32, np.uint8)
    codes = np.stack([flip(base, d) for d in (0, 30, 31, 32)])
    query_index, rows, distances = faiss_range_search(base[None, :], codes, 31)
    assert rows.tolist() == [0, 1, 2]
    assert distances.tolist() == [0, 30, 31]
    assert query_index.tolist() == [0, 0, 0]


def test_invalid_options_are_rejected() -> None:
    with pytest.raises(ValueError):
        PDQIndex(delta_min=0)
    with pytest.raises(ValueError):
        PDQIndex(threads=0)


def test_concurrent_searches_during_adds_and_compactions(bank_factory: Callable[..., Any]) -> None:
    """Searches racing with adds, removals and background rebuilds never fail or miss
    a code that was added before the search started and is never removed."""
    bank = bank_factory(6000)
    index = _small_main(background_compaction=True)
    index.add(bank.ids[:1000], bank.codes[:1000])
    anchor = bank.codes[0]
    anchor_id = int(bank.ids[0])
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                found = index.search(np.stack([anchor, bank.queries[0]]), 31)
                assert Match(anchor_id, 0) in found[0]
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for start in range(1000, 6000, 250):
        index.add(bank.ids[start : start + 250], bank.codes[start : start + 250])
        index.remove(bank.ids[start + 7 : start + 9])
    stop.set()
    for thread in threads:
        thread.join()
    index.wait()
    assert not errors, errors
    reference = LinearHashIndex()
    reference.add(bank.ids, bank.codes)
    reference.remove(np.concatenate([bank.ids[s + 7 : s + 9] for s in range(1000, 6000, 250)]))
    _same(index, reference, bank.queries)
