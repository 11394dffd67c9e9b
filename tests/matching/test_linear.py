"""The reference index is itself checked against Python integer popcounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from idolguard.matching import LinearHashIndex, Match, codes_to_hex


def _naive(ids: list[int], hexes: list[str], query: str, threshold: int) -> list[tuple[int, int]]:
    best: dict[int, int] = {}
    for id_, code in zip(ids, hexes, strict=True):
        d = (int(code, 16) ^ int(query, 16)).bit_count()
        if d <= threshold:
            best[id_] = min(d, best.get(id_, 256))
    return sorted(best.items(), key=lambda item: (item[1], item[0]))


@pytest.mark.parametrize("threshold", [0, 20, 31, 52])
def test_linear_agrees_with_integer_popcount(
    bank_factory: Callable[..., Any], threshold: int
) -> None:
    bank = bank_factory(400)
    index = LinearHashIndex()
    index.add(bank.ids, bank.codes)
    hexes = codes_to_hex(bank.codes)
    ids = bank.ids.tolist()
    results = index.search(bank.queries, threshold)
    for query, found in zip(codes_to_hex(bank.queries), results, strict=True):
        assert [tuple(m) for m in found] == _naive(ids, hexes, query, threshold)


def test_duplicate_ids_report_the_closest_code_once(flip: Callable[..., np.ndarray]) -> None:
    base = np.zeros(32, np.uint8)
    index = LinearHashIndex()
    index.add([7, 7, 7, 3], np.stack([flip(base, 9), flip(base, 2), flip(base, 40), base]))
    assert index.search(base, 31) == [[Match(3, 0), Match(7, 2)]]
    assert len(index) == 4


def test_ties_are_ordered_by_id() -> None:
    codes = np.zeros((3, 32), np.uint8)
    index = LinearHashIndex()
    index.add([30, -5, 12], codes)
    assert index.search(codes[0], 0) == [[Match(-5, 0), Match(12, 0), Match(30, 0)]]


def test_remove_deletes_every_code_of_an_id() -> None:
    codes = np.zeros((3, 32), np.uint8)
    index = LinearHashIndex()
    index.add([1, 1, 2], codes)
    index.remove([1, 99])
    assert len(index) == 1
    assert index.search(codes[0], 0) == [[Match(2, 0)]]


def test_empty_index_and_empty_batches() -> None:
    index = LinearHashIndex()
    assert index.search(np.zeros((2, 32), np.uint8), 31) == [[], []]
    assert index.search(np.zeros((0, 32), np.uint8), 31) == []
    index.add(np.zeros(0, np.int64), np.zeros((0, 32), np.uint8))
    assert len(index) == 0


def test_invalid_arguments_are_rejected() -> None:
    index = LinearHashIndex()
    with pytest.raises(ValueError):
        index.search(np.zeros(32, np.uint8), -1)
    with pytest.raises(ValueError):
        index.add([1, 2], np.zeros((3, 32), np.uint8))
    with pytest.raises(TypeError):
        index.add(np.array([1.5]), np.zeros((1, 32), np.uint8))
