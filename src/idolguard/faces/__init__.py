"""Face detection, alignment, identity embeddings and identification.

Everything model-specific lives behind :class:`FaceBackend`; the rest of
IdolGuard (roster, signals, benchmarks) only sees boxes, five landmarks and
L2-normalised embeddings, so a backend can be swapped by configuration.
"""

from idolguard.faces.backends import BACKENDS, BackendInfo, backend_info, load_backend
from idolguard.faces.types import DetectedFace, FaceBackend, FaceBackendError

__all__ = [
    "BACKENDS",
    "BackendInfo",
    "DetectedFace",
    "FaceBackend",
    "FaceBackendError",
    "backend_info",
    "load_backend",
]
