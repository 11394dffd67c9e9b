"""Random banks with planted near-duplicates, the data every matching test is built on.

Uniformly random codes sit ~128 bits apart, so without planting every search would come
back empty and prove nothing; planting copies at each distance 0..40 puts hits on both
sides of every threshold the tests use (0, 20, 31, 52).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

Codes = npt.NDArray[np.uint8]


def flip_bits(rng: np.random.Generator, code: Codes, distance: int) -> Codes:
    """A copy of ``code`` with exactly ``distance`` distinct bits flipped."""
    out = code.copy()
    for bit in rng.choice(256, size=distance, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


@dataclass
class Bank:
    ids: npt.NDArray[np.int64]
    codes: Codes
    queries: Codes


def make_bank(
    rng: np.random.Generator,
    n: int,
    *,
    distances: range = range(41),
    random_queries: int = 8,
    neighbours_per_query: int = 2,
) -> Bank:
    """``n`` random codes under sparse, shuffled ids, plus queries near some of them.

    Each query has a source code and ``neighbours_per_query`` further bank entries
    planted around it, so a query sees several hits at different distances, and the
    query itself sits ``d`` bits from its source for every ``d`` in ``distances``.
    """
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids = rng.choice(10 * n + 100, size=n, replace=False).astype(np.int64) - 5 * n
    queries = []
    for d in distances:
        source = int(rng.integers(n))
        query = flip_bits(rng, codes[source], d)
        queries.append(query)
        for _ in range(neighbours_per_query):
            target = int(rng.integers(n))
            codes[target] = flip_bits(rng, query, int(rng.integers(0, 45)))
    queries.extend(rng.integers(0, 256, size=(random_queries, 32), dtype=np.uint8))
    return Bank(ids=ids, codes=codes, queries=np.stack(queries))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


@pytest.fixture
def bank_factory(rng: np.random.Generator) -> Callable[..., Bank]:
    def factory(n: int, **options: Any) -> Bank:
        return make_bank(rng, n, **options)

    return factory


@pytest.fixture
def flip(rng: np.random.Generator) -> Callable[[Codes, int], Codes]:
    return lambda code, distance: flip_bits(rng, code, distance)
