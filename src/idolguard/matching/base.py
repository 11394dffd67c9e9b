"""The contract every PDQ index keeps, so the fast index can be checked against a trivial one.

Ids belong to the caller (a bank content id, a database row id) rather than to the index:
the index never renumbers, so results can be joined back without a lookup table, and
one id may own several codes because a bank item is stored with its variants (dihedral
flips, trimmed copies). A match therefore reports each id once, at its closest code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from idolguard.matching.codes import PDQ_BITS, Codes

Ids = npt.NDArray[np.int64]


class Match(NamedTuple):
    """One id within the threshold, at the distance of its closest code.

    A named tuple because a batch can produce many of them and tuples are the cheapest
    typed record to create. Note that tuple order is ``(id, distance)``; results are
    sorted by distance first, explicitly, not by comparing ``Match`` objects.
    """

    id: int
    distance: int


class HashIndex(ABC):
    """Exact range search over 256-bit codes under caller-chosen int64 ids.

    Exactness is part of the contract, not a tuning knob: a missed match is a missed
    re-upload of someone's intimate image, so approximate structures are out of scope.
    """

    @abstractmethod
    def add(self, ids: npt.ArrayLike, codes: npt.ArrayLike) -> None:
        """Make the codes matchable now; repeating an id adds another code for it."""

    @abstractmethod
    def remove(self, ids: npt.ArrayLike) -> None:
        """Forget every code currently stored under these ids; unknown ids are ignored."""

    @abstractmethod
    def search(self, codes: npt.ArrayLike, threshold: int) -> list[list[Match]]:
        """For each query, ids within ``threshold`` bits, sorted by distance then id."""

    @abstractmethod
    def __len__(self) -> int:
        """Live ``(id, code)`` entries, so operators can see what is actually searchable."""


def as_ids(ids: npt.ArrayLike) -> Ids:
    """Accept any integer array-like but refuse floats, which would silently truncate."""
    array = np.asarray(ids)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"ids must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"ids must be integers, got {array.dtype}")
    if array.dtype == np.uint64 and int(array.max()) > np.iinfo(np.int64).max:
        raise ValueError("ids must fit in int64")
    return np.ascontiguousarray(array, dtype=np.int64)


def check_threshold(threshold: int) -> int:
    """Reject thresholds that would silently mean "nothing" or "everything" by mistake."""
    value = int(threshold)
    if value != threshold or value < 0:
        raise ValueError(f"threshold must be a non-negative integer, got {threshold!r}")
    return min(value, PDQ_BITS)


def check_pair(ids: Ids, codes: Codes) -> None:
    if len(ids) != len(codes):
        raise ValueError(f"got {len(ids)} ids for {len(codes)} codes")


def group_matches(
    n_queries: int,
    query_index: npt.NDArray[np.integer],
    ids: npt.NDArray[np.integer],
    distances: npt.NDArray[np.integer],
) -> list[list[Match]]:
    """Turn flat hit arrays into per-query result lists.

    Hits may repeat: a code found through several multi-index tables, several codes of
    one id, or the same id in the main and the delta part. Deduplicating here, once,
    keeps every search path simple and guarantees the same ordering everywhere.
    """
    results: list[list[Match]] = [[] for _ in range(n_queries)]
    if len(query_index) == 0:
        return results
    q = np.asarray(query_index, dtype=np.int64)
    i = np.asarray(ids, dtype=np.int64)
    d = np.asarray(distances, dtype=np.int64)
    # Closest code first within each (query, id), then keep the first of each group.
    order = np.lexsort((d, i, q))
    q, i, d = q[order], i[order], d[order]
    first = np.ones(len(q), dtype=bool)
    first[1:] = (q[1:] != q[:-1]) | (i[1:] != i[:-1])
    q, i, d = q[first], i[first], d[first]
    order = np.lexsort((i, d, q))
    q, i, d = q[order], i[order], d[order]
    bounds = np.searchsorted(q, np.arange(n_queries + 1))
    id_list = i.tolist()
    distance_list = d.tolist()
    for query in np.flatnonzero(np.diff(bounds)).tolist():
        start, stop = int(bounds[query]), int(bounds[query + 1])
        results[query] = [
            Match(id_, dist)
            for id_, dist in zip(id_list[start:stop], distance_list[start:stop], strict=True)
        ]
    return results
