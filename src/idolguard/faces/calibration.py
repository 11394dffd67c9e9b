"""Decision thresholds for identification, measured on data and shipped with the code.

``benchmarks/calibrate_faces.py`` writes ``calibration.json`` from the
development face sets; nothing here is tuned by hand. A threshold belongs to
one backend *version*: a new model or alignment means re-running the script.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

from idolguard.faces.types import FaceBackendError

CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class Calibration:
    backend: str
    version: str
    threshold: float  # cosine similarity at or above which a face is named
    far: float  # impostor comparisons at or above the threshold, on the calibration data
    frr: float  # genuine comparisons below it
    impostor_median: float  # typical similarity of two different people
    slope: float  # logistic map from similarity to a [0, 1] confidence
    source: str  # the data it was measured on

    def confidence(self, similarity: float) -> float:
        """Probability-like score: 0.5 exactly at the threshold, rising with similarity.

        A logistic fitted on genuine and impostor comparisons, shifted so
        that the threshold maps to 0.5; reviewers read "0.97" more easily
        than a raw cosine whose scale differs per backend.
        """
        z = self.slope * (similarity - self.threshold)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@functools.cache
def _calibration_file() -> dict[str, Any]:
    """Parsed once per process: identification asks for the threshold on every scanned item."""
    text = resources.files("idolguard.faces").joinpath(CALIBRATION_FILE).read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return raw


def load_calibration(backend: str, version: str | None = None) -> Calibration:
    entry = _calibration_file().get(backend)
    if entry is None:
        raise FaceBackendError(f"no identification calibration for face backend {backend!r}")
    calibration = Calibration(backend=backend, **entry)
    if version is not None and calibration.version != version:
        raise FaceBackendError(
            f"the calibration for {backend!r} is for version {calibration.version}, "
            f"the backend is version {version}: run benchmarks/calibrate_faces.py"
        )
    return calibration
