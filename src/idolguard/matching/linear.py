"""The reference index: a full scan that is too simple to be wrong.

The fast index is checked against this one in the tests, so it deliberately avoids every
trick the fast one uses (no tombstones, no buckets, no faiss): removals really delete
rows and every search compares the query with every stored code.
"""

from __future__ import annotations

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
from idolguard.matching.codes import PDQ_BYTES, Codes, as_codes, as_words, row_distances


class LinearHashIndex(HashIndex):
    """O(n) per query; fine up to ~100k codes and for ground truth in tests."""

    def __init__(self) -> None:
        self._ids: Ids = np.zeros(0, dtype=np.int64)
        self._codes: Codes = np.zeros((0, PDQ_BYTES), dtype=np.uint8)

    def add(self, ids: npt.ArrayLike, codes: npt.ArrayLike) -> None:
        new_ids = as_ids(ids)
        new_codes = as_codes(codes) if len(new_ids) else np.zeros((0, PDQ_BYTES), np.uint8)
        check_pair(new_ids, new_codes)
        self._ids = np.concatenate([self._ids, new_ids])
        self._codes = np.concatenate([self._codes, new_codes])

    def remove(self, ids: npt.ArrayLike) -> None:
        keep = ~np.isin(self._ids, as_ids(ids))
        self._ids = self._ids[keep]
        self._codes = np.ascontiguousarray(self._codes[keep])

    def search(self, codes: npt.ArrayLike, threshold: int) -> list[list[Match]]:
        limit = check_threshold(threshold)
        queries = as_words(as_codes(codes))
        words = as_words(self._codes)
        hits_q: list[npt.NDArray[np.int64]] = []
        hits_row: list[npt.NDArray[np.int64]] = []
        hits_d: list[npt.NDArray[np.uint16]] = []
        for position, query in enumerate(queries):
            distances = row_distances(words, query)
            rows = np.flatnonzero(distances <= limit)
            hits_q.append(np.full(len(rows), position, dtype=np.int64))
            hits_row.append(rows)
            hits_d.append(distances[rows])
        if not hits_q:
            return []
        rows_all = np.concatenate(hits_row)
        return group_matches(
            len(queries), np.concatenate(hits_q), self._ids[rows_all], np.concatenate(hits_d)
        )

    def __len__(self) -> int:
        return len(self._ids)
