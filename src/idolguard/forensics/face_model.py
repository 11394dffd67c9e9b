"""The shipped face manipulation model (ONNX) with the calibration fitted on development data.

The network (``training/manipulation/model.py``) returns a raw logit per face
and an 8x8 map of cell logits whose mean is that logit. The logit becomes a
probability through Platt scaling fitted on the ``calib`` split (never on the
figures we report), and ``threshold`` is where that split's real faces were
flagged at the false-positive rate written in ``blendnet.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.runtime import session
from idolguard.forensics.crop import CROP_SIZE

MODEL_DIR = Path(str(resources.files("idolguard.forensics") / "models"))


@dataclass(frozen=True)
class Calibration:
    version: str
    platt_a: float
    platt_b: float
    threshold: float  # on the calibrated probability
    calib_fpr: float  # false-positive rate on calib reals at ``threshold``
    card: dict[str, Any]

    def probability(self, logit: float) -> float:
        z = self.platt_a * logit + self.platt_b
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@cache
def load_calibration(model_dir: Path = MODEL_DIR) -> Calibration:
    data = json.loads((model_dir / "blendnet.json").read_text())
    return Calibration(
        version=str(data["version"]),
        platt_a=float(data["platt"]["a"]),
        platt_b=float(data["platt"]["b"]),
        threshold=float(data["threshold"]),
        calib_fpr=float(data["calib_fpr"]),
        card=data,
    )


@dataclass(frozen=True)
class FaceScore:
    logit: float
    probability: float
    cells: NDArray[np.float32]  # 8x8 cell logits; their mean is ``logit``


class FaceManipulationModel:
    """Scores aligned ``CROP_SIZE`` crops from ``forensics.crop.model_view``."""

    def __init__(self, threads: int = 1, model_dir: Path = MODEL_DIR) -> None:
        self.calibration = load_calibration(model_dir)
        self._session = session(model_dir / "blendnet.onnx", threads)
        self._input = self._session.get_inputs()[0].name

    @property
    def version(self) -> str:
        return self.calibration.version

    def score(self, crops: NDArray[np.uint8]) -> list[FaceScore]:
        if len(crops) == 0:
            return []
        if crops.shape[1:] != (CROP_SIZE, CROP_SIZE, 3):
            raise ValueError(f"crops must be N x {CROP_SIZE} x {CROP_SIZE} x 3, got {crops.shape}")
        x = crops.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        logits, cells = self._session.run(None, {self._input: np.ascontiguousarray(x)})
        return [
            FaceScore(
                logit=float(logit),
                probability=self.calibration.probability(float(logit)),
                cells=np.asarray(cell, dtype=np.float32),
            )
            for logit, cell in zip(logits, cells, strict=True)
        ]
