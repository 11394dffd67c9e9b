"""The multi-index must return exactly what the linear scan returns, for every layout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from idolguard.matching import Layout, LinearHashIndex, Match, MultiIndex, plan_layout
from idolguard.matching.multi_index import split_widths

THRESHOLDS = [0, 1, 20, 31, 32, 52]


def _reference(ids: np.ndarray, codes: np.ndarray) -> LinearHashIndex:
    index = LinearHashIndex()
    index.add(ids, codes)
    return index


@pytest.mark.parametrize(
    "tables",
    [
        None,  # the planner's choice for this size (16 x 16 bits)
        13,  # uneven widths whose keys straddle 64-bit words
        14,
        20,  # 12-13 bit keys: crowded buckets, many candidates
        32,  # 8-bit keys, pigeonhole with one flip at threshold 31
    ],
)
def test_matches_linear_scan_exactly(bank_factory: Callable[..., Any], tables: int | None) -> None:
    bank = bank_factory(3000)
    layout = None if tables is None else Layout(split_widths(tables))
    index = MultiIndex(bank.codes, bank.ids, layout=layout)
    reference = _reference(bank.ids, bank.codes)
    for threshold in THRESHOLDS:
        assert index.search(bank.queries, threshold) == reference.search(bank.queries, threshold)


def test_every_planted_distance_is_found_at_31_and_not_beyond(
    rng: np.random.Generator, flip: Callable[..., np.ndarray]
) -> None:
    codes = rng.integers(0, 256, size=(5000, 32), dtype=np.uint8)
    queries = np.stack([flip(codes[i], i % 41) for i in range(41 * 3)])
    index = MultiIndex(codes)
    results = index.search(queries, 31)
    for i, found in enumerate(results):
        planted = [m for m in found if m.id == i]
        if i % 41 <= 31:
            assert planted == [Match(i, i % 41)]
        else:
            assert planted == []


def test_batched_threaded_and_single_searches_agree(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(5000, random_queries=200)
    index = MultiIndex(bank.codes, bank.ids)
    batched = index.search(bank.queries, 31)
    assert index.search(bank.queries, 31, threads=2) == batched
    assert [index.search(q, 31)[0] for q in bank.queries] == batched


def test_wide_thresholds_fall_back_to_a_scan(bank_factory: Callable[..., Any]) -> None:
    bank = bank_factory(2000)
    index = MultiIndex(bank.codes, bank.ids)
    assert index.prefers_scan(120)
    assert not index.prefers_scan(31)
    reference = _reference(bank.ids, bank.codes)
    assert index.search(bank.queries, 120) == reference.search(bank.queries, 120)
    assert len(index.search(bank.queries[:1], 256)[0]) == len(set(bank.ids.tolist()))


def test_duplicate_ids_report_the_closest_code(flip: Callable[..., np.ndarray]) -> None:
    base = np.zeros(32, np.uint8)
    codes = np.stack([flip(base, 12), flip(base, 3), flip(base, 30), flip(base, 80)])
    index = MultiIndex(codes, [5, 5, 9, 5])
    assert index.search(base, 31) == [[Match(5, 3), Match(9, 30)]]


def test_empty_and_tiny_indexes() -> None:
    empty = MultiIndex(np.zeros((0, 32), np.uint8))
    assert len(empty) == 0
    assert empty.search(np.zeros((3, 32), np.uint8), 31) == [[], [], []]
    one = MultiIndex(np.full((1, 32), 0xAB, np.uint8), [42])
    assert one.search(np.full(32, 0xAB, np.uint8), 0) == [[Match(42, 0)]]


def test_index_is_immutable_and_owns_its_codes() -> None:
    codes = np.zeros((10, 32), np.uint8)
    index = MultiIndex(codes)
    codes[0, 0] = 1  # the caller's array is copied by default
    assert index.codes[0, 0] == 0
    with pytest.raises(ValueError):
        index.codes[0, 0] = 1
    assert not hasattr(index, "add")


def test_split_widths_cover_all_bits() -> None:
    for tables in range(1, 40):
        widths = split_widths(tables)
        assert len(widths) == tables
        assert sum(widths) == 256
        assert max(widths) - min(widths) <= 1
    assert split_widths(12) == (22, 21, 21) * 4


def test_planner_trades_memory_for_speed() -> None:
    assert plan_layout(100_000).widths == (16,) * 16
    ten_million = plan_layout(10_000_000)
    assert ten_million.tables == 12
    assert ten_million.offsets_bytes() <= 16 * 10_000_000
    assert plan_layout(10_000_000, offset_bytes_per_code=48).tables == 11
    # Pigeonhole: at 31 bits over 12 tables some table differs in at most 2 bits.
    assert ten_million.flips(31) == 2
    assert ten_million.expected_candidates(10_000_000, 31) == pytest.approx(11_272, rel=0.01)


def test_invalid_layouts_are_rejected() -> None:
    with pytest.raises(ValueError):
        Layout((200, 56))
    with pytest.raises(ValueError):
        MultiIndex(np.zeros((2, 32), np.uint8), [1, 2, 3])
