"""The enrolled artists' face templates, as content signals see them inside scan workers.

The expensive manipulation path (CLIP) cannot run on every face within the
scan budget, and the faces an agency cares most about are its own artists'.
Identification proper is a context signal (it runs after the content stage,
against the roster of the moment), so workers get this read-only snapshot
instead: a face whose embedding comes *near* an enrolled template, a little
below the naming threshold so that borderline matches are not missed, takes
the expensive path. The snapshot's digest goes into the version of the
signals that use it: enrolling or removing an artist recomputes them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

# Identification confidence (0.5 at the naming threshold, see ``faces.calibration``)
# from which a face counts as possibly an enrolled artist.
NEAR_CONFIDENCE = 0.2


@dataclass(frozen=True)
class BackendTemplates:
    vectors: NDArray[np.float32]  # (n, d), one unit row per enrolled template
    threshold: float  # naming threshold (cosine) of this backend
    slope: float  # the calibration's logistic slope

    @property
    def near_similarity(self) -> float:
        """Cosine at which the calibrated confidence reaches ``NEAR_CONFIDENCE``."""
        return self.threshold + math.log(NEAR_CONFIDENCE / (1 - NEAR_CONFIDENCE)) / self.slope


@dataclass(frozen=True)
class ArtistContext:
    """One enrolled artist's references as identity consistency compares them."""

    artist_id: int
    name: str
    templates: NDArray[np.float32]  # (n, d) unit rows: the naming backend's templates
    # (m, 512) unit rows: masked-head features of the photos; none (0 x 0) when no photo's
    # could be computed, so that naming still sees every artist the identity signal does.
    outer: NDArray[np.float32]


@dataclass(frozen=True)
class ContextReferences:
    """The roster as identity consistency sees it: who is named, and how their heads look.

    Naming repeats ``faces.gallery``'s score with the same templates and
    threshold, so the faces judged inside a worker are exactly the faces the
    ``identity`` signal names after it (the digest versions both together).
    """

    backend: str  # "name@version" of the templates
    feature: str  # version of the outer-head features
    threshold: float  # the backend's naming threshold (cosine)
    artists: tuple[ArtistContext, ...] = ()

    @property
    def digest(self) -> str:
        if not self.artists:
            return "none"
        hasher = hashlib.sha256(f"{self.backend}\0{self.feature}\0{self.threshold!r}".encode())
        for artist in self.artists:
            hasher.update(f"\0{artist.artist_id}\0".encode())
            hasher.update(np.ascontiguousarray(artist.templates, dtype="<f4").tobytes())
            hasher.update(np.ascontiguousarray(artist.outer, dtype="<f4").tobytes())
        return hasher.hexdigest()[:12]


@dataclass(frozen=True)
class Watchlist:
    backends: Mapping[str, BackendTemplates] = field(default_factory=dict)
    # Taken only for scans that run identity consistency (it costs a CLIP embedding per
    # reference photo the first time); None otherwise.
    context: ContextReferences | None = None

    def near(self, backend: str, embedding: NDArray[np.float32]) -> bool:
        """Whether a face embedding comes near any enrolled template of its backend."""
        templates = self.backends.get(backend)
        if templates is None or len(templates.vectors) == 0:
            return False
        vector = embedding.astype(np.float32)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0 or vector.shape[0] != templates.vectors.shape[1]:
            return False
        best = float(np.max(templates.vectors @ (vector / norm)))
        return best >= templates.near_similarity

    @property
    def digest(self) -> str:
        """Short, stable fingerprint of the snapshot ("none" when nobody is enrolled)."""
        if not any(len(t.vectors) for t in self.backends.values()):
            return "none"
        hasher = hashlib.sha256()
        for name in sorted(self.backends):
            templates = self.backends[name]
            hasher.update(name.encode() + b"\0")
            hasher.update(np.ascontiguousarray(templates.vectors, dtype="<f4").tobytes())
        return hasher.hexdigest()[:12]


def unit_rows(vectors: list[NDArray[np.float32]]) -> NDArray[np.float32]:
    """Stack embeddings as unit rows (an empty list gives a 0 x 0 matrix)."""
    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    matrix = np.stack(vectors).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    rows: NDArray[np.float32] = matrix / np.maximum(norms, 1e-12)
    return rows
