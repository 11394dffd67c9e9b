"""Face detection and identity embeddings, cached per file like any content signal.

This signal does not name anyone: the roster changes, so naming happens in
the ``identity`` context signal on every scan, from the embeddings stored
here. Re-running a scan after enrolling a new artist therefore costs a
matrix product per face, not a second pass of the face models.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from idolguard.config import FaceSettings
from idolguard.faces import DetectedFace, FaceBackend, load_backend
from idolguard.faces.backends import backend_info
from idolguard.faces.calibration import load_calibration
from idolguard.faces.tracking import Observation, track_faces
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.faces_presentation import face_findings, scan_faces
from idolguard.signals.presentation import FindingsView, ScanField

# Photos are decoded to at most this side for face work: enough for a face
# 20 px between the eyes in a 24-megapixel group shot to survive, while a
# phone photo is still draft-decoded 2-4x faster than at full size.
IMAGE_DECODE_SIDE = 2048


def encode_embedding(vector: NDArray[np.float32]) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def decode_embedding(text: str) -> NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


class FacesSignal(Signal):
    name = "faces"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    description = "face detection, 5 landmarks and identity embeddings (backend per config)"

    measures_frame = True  # face boxes are in the frame the detector saw (width, height)

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        return {"faces": face_findings(result, view), "faces_analysed": True}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        return [ScanField("faces", scan_faces(results, heatmap_dir), 30)]

    def __init__(self, settings: FaceSettings, threads: int = 1) -> None:
        self.settings = settings
        self.threads = threads
        backend_version = backend_info(settings.backend).load_class().version
        # Cached results are only reusable with the same model and settings.
        # 2: video tracks list every observation's box and landmarks.
        self.version = (
            f"2+{settings.backend}{backend_version}"
            f"-{settings.detector_side}-{settings.min_det_score:g}-{settings.min_face_pixels}"
        )
        self._backend: FaceBackend | None = None

    @property
    def backend(self) -> FaceBackend:
        """Loaded on first use, inside the worker process that needs it."""
        if self._backend is None:
            self._backend = load_backend(
                self.settings.backend,
                threads=self.threads,
                detector_side=self.settings.detector_side,
            )
        return self._backend

    def analyse(self, item: AnalysisItem) -> JSONDict:
        if item.media_type is MediaType.VIDEO:
            return self._analyse_video(item)
        decoded = item.image(IMAGE_DECODE_SIDE)
        pixels = np.asarray(decoded.image, dtype=np.uint8)
        scale = decoded.original_width / decoded.image.width
        faces = self._faces(pixels)
        vectors = self._embed(pixels, faces)
        return {
            "backend": self.backend.key,
            "width": decoded.original_width,
            "height": decoded.original_height,
            "faces": [
                _face_json(face, vector, scale) for face, vector in zip(faces, vectors, strict=True)
            ],
        }

    def _faces(self, pixels: NDArray[np.uint8]) -> list[DetectedFace]:
        return [f for f in self.backend.detect(pixels) if f.score >= self.settings.min_det_score]

    def _embed(
        self, pixels: NDArray[np.uint8], faces: list[DetectedFace]
    ) -> list[NDArray[np.float32] | None]:
        """Embeddings for faces big enough to identify; ``None`` for the rest.

        Below ``min_face_pixels`` between the eyes an embedding is noise that
        can still land near someone on the roster, so it is not computed.
        """
        big = [i for i, f in enumerate(faces) if f.eye_distance >= self.settings.min_face_pixels]
        vectors: list[NDArray[np.float32] | None] = [None] * len(faces)
        if big:
            rows = self.backend.embed(pixels, [faces[i] for i in big])
            for i, row in zip(big, rows, strict=True):
                vectors[i] = row
        return vectors

    def _analyse_video(self, item: AnalysisItem) -> JSONDict:
        info = item.video_info()
        sampled = item.video_frames(
            self.settings.video_seconds_per_frame, 640, self.settings.video_max_frames
        )
        per_frame: list[tuple[float, list[Observation]]] = []
        for frame in sampled.frames:
            pixels = np.asarray(frame.image, dtype=np.uint8)
            scale = max(info.width, info.height) / max(frame.image.size)
            faces = self._faces(pixels)
            vectors = self._embed(pixels, faces)
            observations = [
                Observation(frame.timestamp, face.scaled(scale), vector)
                for face, vector in zip(faces, vectors, strict=True)
            ]
            per_frame.append((frame.timestamp, observations))
        calibration = load_calibration(self.settings.backend)
        tracks = track_faces(
            per_frame,
            same_person=calibration.threshold,
            different_person=calibration.impostor_median,
        )
        faces_json = []
        for track in tracks:
            best = track.best
            embedding = track.embedding()
            entry = _face_json(best.face, embedding, 1.0)
            entry.update(
                frame_time=round(best.time, 3),
                track={
                    "id": track.id,
                    "start": round(track.start, 3),
                    "end": round(track.end, 3),
                    "detections": len(track.observations),
                    "times": [round(o.time, 3) for o in track.observations],
                    # Per-frame models (manipulation) re-read these frames' faces.
                    "observations": [
                        {
                            "time": round(o.time, 3),
                            "box": [round(v, 1) for v in o.face.box],
                            "landmarks": [
                                [round(float(x), 1), round(float(y), 1)]
                                for x, y in o.face.landmarks
                            ],
                        }
                        for o in track.observations
                    ],
                },
            )
            faces_json.append(entry)
        return {
            "backend": self.backend.key,
            "width": info.width,
            "height": info.height,
            "duration_seconds": info.duration_seconds,
            "frames_analysed": len(sampled.frames),
            "seconds_per_frame": sampled.every_seconds,
            "truncated": sampled.truncated,
            "warnings": sampled.warnings,
            "faces": faces_json,
        }

    def summary(self, result: Mapping[str, Any]) -> str:
        count = len(result.get("faces", []))
        return f"{count} face{'s' if count != 1 else ''}"


def _face_json(face: DetectedFace, vector: NDArray[np.float32] | None, scale: float) -> JSONDict:
    shown = face.scaled(scale) if scale != 1.0 else face
    return {
        "box": [round(v, 1) for v in shown.box],
        "det_score": round(face.score, 4),
        "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in shown.landmarks],
        "eye_distance": round(shown.eye_distance, 1),
        "embedding": encode_embedding(vector) if vector is not None else None,
    }
