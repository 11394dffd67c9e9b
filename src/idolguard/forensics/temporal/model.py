"""The shipped temporal model: a logistic regression over window measurements.

With about a hundred development clips a larger temporal network would
learn the clips, not the generators; a linear model over readable
measurements (``features.FEATURES``) also lets the review page say which
measurement drove a score. A track's logit is the mean of its windows'
logits, Platt-scaled out of fold by ``training.video.train``; the windows
whose own probability reaches the threshold are the time ranges shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from idolguard.forensics.temporal.extract import WindowMeasurement
from idolguard.forensics.temporal.features import FEATURES

MODEL_FILE = Path(str(resources.files("idolguard.forensics") / "models" / "video_temporal.json"))


@dataclass(frozen=True)
class TemporalModel:
    version: str
    features: tuple[str, ...]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    weights: NDArray[np.float64]
    bias: float
    platt_a: float
    platt_b: float
    threshold: float  # on the calibrated probability
    card: dict[str, Any]

    def vector(self, values: dict[str, float]) -> NDArray[np.float64]:
        return np.asarray([values[name] for name in self.features], dtype=np.float64)

    def raw_logit(self, values: dict[str, float]) -> float:
        z = (self.vector(values) - self.mean) / self.scale
        return float(z @ self.weights + self.bias)

    def probability(self, raw_logit: float) -> float:
        return _sigmoid(self.platt_a * raw_logit + self.platt_b)

    def contributions(self, values: dict[str, float]) -> dict[str, float]:
        """Each measurement's share of the raw logit (weight times standardised value)."""
        z = (self.vector(values) - self.mean) / self.scale
        return {name: float(v) for name, v in zip(self.features, z * self.weights, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "platt_a": round(self.platt_a, 6),
            "platt_b": round(self.platt_b, 6),
            "threshold": round(self.threshold, 4),
            "card": self.card,
        }


def load_temporal_model(path: Path = MODEL_FILE) -> TemporalModel:
    data = json.loads(path.read_text())
    names = tuple(data["features"])
    unknown = set(names) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path.name} uses measurements this version lacks: {sorted(unknown)}")
    return TemporalModel(
        version=str(data["version"]),
        features=names,
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        weights=np.asarray(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        platt_a=float(data["platt_a"]),
        platt_b=float(data["platt_b"]),
        threshold=float(data["threshold"]),
        card=dict(data.get("card") or {}),
    )


@dataclass(frozen=True)
class WindowScore:
    start: float
    end: float
    probability: float
    top: list[str]  # the measurements that pushed this window's score up most


@dataclass(frozen=True)
class TemporalVerdict:
    probability: float
    flagged: bool
    windows: list[WindowScore]
    ranges: list[dict[str, float]]  # merged flagged windows: start, end, peak


def judge(model: TemporalModel, measured: list[WindowMeasurement]) -> TemporalVerdict | None:
    """One calibrated score for a track, and the windows that drove it (None: nothing measured)."""
    if not measured:
        return None
    raws = [model.raw_logit(m.features) for m in measured]
    windows = []
    for m, raw in zip(measured, raws, strict=True):
        share = model.contributions(m.features)
        top = [n for n, v in sorted(share.items(), key=lambda kv: -kv[1])[:2] if v > 0]
        windows.append(WindowScore(m.start, m.end, round(model.probability(raw), 4), top))
    probability = model.probability(float(np.mean(raws)))
    ranges: list[dict[str, float]] = []
    for w in windows:
        if w.probability < model.threshold:
            continue
        if ranges and w.start <= ranges[-1]["end"] + 0.6:
            ranges[-1]["end"] = w.end
            ranges[-1]["peak"] = max(ranges[-1]["peak"], w.probability)
        else:
            ranges.append({"start": w.start, "end": w.end, "peak": w.probability})
    return TemporalVerdict(round(probability, 4), probability >= model.threshold, windows, ranges)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
