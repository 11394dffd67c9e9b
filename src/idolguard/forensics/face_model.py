"""The shipped face manipulation model: BlendNet (ONNX), optionally fused with a CLIP face head.

BlendNet (``training/manipulation/model.py``) returns a raw logit per face and
an 8x8 map of cell logits whose mean is that logit (the heatmap). On its own,
the logit becomes a probability through Platt scaling fitted on the ``calib``
split (``blendnet.json``). When the CLIP encoder is installed, a linear head on
CLIP features of the same crop gives a second logit, and both are fused by a
logistic regression fitted on ``calib`` (``face_fusion.json``): the two see
different evidence (see ``training/manipulation/train_fusion.py``). Either
way ``threshold`` is where ``calib`` real faces were flagged at the
false-positive rate written in the card, never tuned on reported figures.

When the patch-token face head ships (``face_tokens.*``, see
``forensics.token_head``), it replaces the linear CLIP head on the expensive
path: the same encoder call returns the crop's patch tokens, the head scores
them, and its card's fusion weights combine that logit with BlendNet's. Its
14 x 14 patch evidence is the heatmap of faces judged on that path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.runtime import session
from idolguard.forensics.crop import CROP_SIZE, model_view

if TYPE_CHECKING:
    from idolguard.forensics.ai_model import ClipEncoder
    from idolguard.forensics.token_head import TokenHead

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
        return sigmoid(self.platt_a * logit + self.platt_b)


def sigmoid(z: float) -> float:
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
class Fusion:
    """The CLIP face head and how its logit combines with BlendNet's."""

    version: str
    clip_weights: NDArray[np.float64]
    clip_bias: float
    blend_weight: float
    clip_weight: float
    bias: float
    threshold: float
    calib_fpr: float
    card: dict[str, Any]

    def clip_logit(self, embedding: NDArray[np.float32]) -> float:
        return float(embedding.astype(np.float64) @ self.clip_weights + self.clip_bias)

    def logit(self, blend_logit: float, clip_logit: float) -> float:
        return self.blend_weight * blend_logit + self.clip_weight * clip_logit + self.bias


@cache
def load_fusion(model_dir: Path = MODEL_DIR) -> Fusion | None:
    """The fusion card, or ``None`` when none ships (BlendNet is then used alone)."""
    path = model_dir / "face_fusion.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    head, fusion = data["clip_head"], data["fusion"]
    return Fusion(
        version=str(data["version"]),
        clip_weights=np.asarray(head["weights"], dtype=np.float64),
        clip_bias=float(head["bias"]),
        blend_weight=float(fusion["blend"]),
        clip_weight=float(fusion["clip"]),
        bias=float(fusion["bias"]),
        threshold=float(data["threshold"]),
        calib_fpr=float(data["calib_fpr"]),
        card={k: v for k, v in data.items() if k != "clip_head"},
    )


@dataclass(frozen=True)
class FaceScore:
    logit: float  # the decision logit: fused, or BlendNet's after Platt scaling
    probability: float  # sigmoid(logit), compared with the model's ``threshold``
    blend_logit: float  # BlendNet's raw logit
    clip_logit: float | None  # the CLIP face head's logit, when fused
    cells: NDArray[np.float32]  # 8x8 BlendNet cell logits; their mean is ``blend_logit``
    patches: NDArray[np.float32] | None = None  # 14x14 token-head evidence, that path only

    @property
    def path(self) -> str:
        """Which path judged the face: "full" (fused with CLIP) or "fast" (BlendNet alone)."""
        return "fast" if self.clip_logit is None else "full"


class FaceManipulationModel:
    """Scores aligned working-size crops from ``forensics.crop.face_crop``.

    With ``clip`` (an encoder) and a shipped fusion card, scores are fused;
    without, BlendNet's calibrated score is used alone.
    """

    def __init__(
        self, threads: int = 1, model_dir: Path = MODEL_DIR, clip: ClipEncoder | None = None
    ) -> None:
        self.calibration = load_calibration(model_dir)
        self.tokens = load_token_head(model_dir) if clip is not None else None
        self.fusion = load_fusion(model_dir) if clip is not None and self.tokens is None else None
        self.clip = clip if self.fusion is not None or self.tokens is not None else None
        self._session = session(model_dir / "blendnet.onnx", threads)
        self._input = self._session.get_inputs()[0].name

    @property
    def version(self) -> str:
        return model_version(self.calibration, self.fusion, self.tokens)

    @property
    def threshold(self) -> float:
        if self.tokens is not None:
            return self.tokens.threshold
        return self.fusion.threshold if self.fusion is not None else self.calibration.threshold

    def blendnet(self, views: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Raw logits and cell maps for ``CROP_SIZE`` model views."""
        if views.shape[1:] != (CROP_SIZE, CROP_SIZE, 3):
            raise ValueError(f"crops must be N x {CROP_SIZE} x {CROP_SIZE} x 3, got {views.shape}")
        x = views.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        logits, cells = self._session.run(None, {self._input: np.ascontiguousarray(x)})
        return np.asarray(logits, dtype=np.float32), np.asarray(cells, dtype=np.float32)

    def score(
        self,
        crops: Sequence[NDArray[np.uint8]],
        wants_clip: Callable[[int, float], bool] | None = None,
        batch: int = 64,
    ) -> list[FaceScore]:
        """Score crops: BlendNet on all, then the fused CLIP path where it is wanted.

        ``wants_clip(index, blendnet_probability)`` decides per crop whether the
        expensive path runs (the manipulation cascade); ``None`` runs it on all.
        Without an encoder every crop is scored by BlendNet alone.
        """
        if len(crops) == 0:
            return []
        raw_parts, cell_parts = [], []
        for start in range(0, len(crops), batch):  # bounded memory for long lists
            raw, cells = self.blendnet(
                np.stack([model_view(c) for c in crops[start : start + batch]])
            )
            raw_parts.append(raw)
            cell_parts.append(cells)
        raw_all = np.concatenate(raw_parts).tolist()
        cells_all = np.concatenate(cell_parts)
        clip: list[float | None] = [None] * len(crops)
        patches: list[NDArray[np.float32] | None] = [None] * len(crops)
        if self.clip is not None and self.tokens is not None:
            chosen = [
                i
                for i, blend in enumerate(raw_all)
                if wants_clip is None or wants_clip(i, self.calibration.probability(blend))
            ]
            for start in range(0, len(chosen), batch):
                part = chosen[start : start + batch]
                embeds, tokens = self.clip.encode([Image.fromarray(crops[i]) for i in part])
                for i, token_score in zip(part, self.tokens.score(embeds, tokens), strict=True):
                    clip[i] = token_score.logit
                    patches[i] = token_score.patches
        elif self.clip is not None and self.fusion is not None:
            chosen = [
                i
                for i, blend in enumerate(raw_all)
                if wants_clip is None or wants_clip(i, self.calibration.probability(blend))
            ]
            for start in range(0, len(chosen), batch):
                part = chosen[start : start + batch]
                embeddings = self.clip.embed([Image.fromarray(crops[i]) for i in part])
                for i, row in zip(part, embeddings, strict=True):
                    clip[i] = self.fusion.clip_logit(row)
        out = []
        for blend, clip_logit, cell, patch in zip(raw_all, clip, cells_all, patches, strict=True):
            if clip_logit is not None and self.tokens is not None:
                logit = token_fusion_logit(self.tokens, blend, clip_logit)
            elif clip_logit is not None and self.fusion is not None:
                logit = self.fusion.logit(blend, clip_logit)
            else:
                logit = self.calibration.platt_a * blend + self.calibration.platt_b
            out.append(FaceScore(logit, sigmoid(logit), blend, clip_logit, cell, patch))
        return out


def load_token_head(model_dir: Path = MODEL_DIR) -> TokenHead | None:
    """The shipped patch-token face head, when it ships with its fusion weights."""
    from idolguard.forensics.token_head import load_head

    head = load_head("face_tokens", model_dir)
    return head if head is not None and "fusion" in head.card else None


def token_fusion_logit(head: TokenHead, blend_logit: float, token_logit: float) -> float:
    """BlendNet's raw logit and the token head's, weighted as fitted on calib (the card)."""
    weights = head.card["fusion"]
    return float(weights["blend"] * blend_logit + weights["tokens"] * token_logit + weights["bias"])


def model_version(
    calibration: Calibration, fusion: Fusion | None, tokens: TokenHead | None = None
) -> str:
    if tokens is not None:
        return calibration.version + f"+tokens{tokens.version}"
    return calibration.version + (f"+clip{fusion.version}" if fusion is not None else "")
