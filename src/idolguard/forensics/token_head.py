"""Attention-pooling heads on CLIP's patch tokens, run with NumPy (no PyTorch at scan time).

A linear probe on CLIP's pooled 512-d embedding sees the picture as a whole;
blending seams and generator traces are local, and pooling dilutes them. The
encoder's second output holds one 768-d token per 16 x 16 patch (14 x 14 of
them), so a small head reads every patch: it projects each token (a fixed
whitening basis fitted on real photos, then a learnt layer), scores it, and
pools the patch scores with learnt attention weights (GenD, arXiv
2508.06248, tunes a frozen foundation encoder the same way). The pooled
score plus a linear term on the 512-d embedding is the head's logit; the
patch scores, weighted by attention, are the 14 x 14 heatmap.

The same class serves the face head (aligned face crops) and the
whole-picture AI-generation head; the weights (``*.npz``, a few hundred kB)
are fitted by ``training/manipulation/train_token_heads.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from idolguard.forensics.face_model import MODEL_DIR

GRID = 14  # patches per side of CLIP ViT-B/16 at 224 px

Array = NDArray[np.float32]


@dataclass(frozen=True)
class HeadWeights:
    """Everything the head computes with; ``project`` already includes the whitening."""

    mean: Array  # [768] token mean (real training photos)
    project: Array  # [768, k]
    w1: Array  # [k, d]
    b1: Array  # [d]
    query: Array  # [d] attention query
    value: Array  # [d] patch-score direction
    embed: Array  # [512] linear term on the L2-normalised image embedding
    bias: float

    def to_arrays(self) -> dict[str, Array]:
        return {
            "mean": self.mean,
            "project": self.project,
            "w1": self.w1,
            "b1": self.b1,
            "query": self.query,
            "value": self.value,
            "embed": self.embed,
            "bias": np.array([self.bias], dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: Any) -> HeadWeights:
        def get(name: str) -> Array:
            return np.asarray(arrays[name], dtype=np.float32)

        return cls(
            mean=get("mean"),
            project=get("project"),
            w1=get("w1"),
            b1=get("b1"),
            query=get("query"),
            value=get("value"),
            embed=get("embed"),
            bias=float(get("bias").ravel()[0]),
        )


@dataclass(frozen=True)
class TokenScore:
    logit: float
    patches: Array  # [14, 14] attention-weighted patch evidence (sums to the pooled score)


def _softmax(values: Array) -> Array:
    shifted = values - values.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: Array = exp / exp.sum(axis=-1, keepdims=True)
    return out


def hidden(weights: HeadWeights, patches: Array) -> Array:
    """Per-patch hidden features ``tanh(((t - mean) @ project) @ w1 + b1)``: [..., 196, d]."""
    projected = (patches - weights.mean) @ weights.project
    out: Array = np.tanh(projected @ weights.w1 + weights.b1)
    return out


def head_logits(weights: HeadWeights, embeds: Array, tokens: Array) -> tuple[Array, Array]:
    """Logits [n] and attention-weighted patch scores [n, 196] for a batch of CLIP outputs."""
    units = hidden(weights, tokens[:, 1:, :].astype(np.float32))
    attention = _softmax(units @ weights.query)
    scores = units @ weights.value
    weighted: Array = (attention * scores).astype(np.float32)
    logits: Array = (
        weighted.sum(axis=1) + embeds.astype(np.float32) @ weights.embed + weights.bias
    ).astype(np.float32)
    return logits, weighted


@dataclass(frozen=True)
class TokenHead:
    """A fitted head with its card: version, threshold on the probability, calibration."""

    name: str
    version: str
    weights: HeadWeights
    threshold: float
    card: dict[str, Any]

    def score(self, embeds: Array, tokens: Array) -> list[TokenScore]:
        if len(embeds) == 0:
            return []
        logits, weighted = head_logits(self.weights, embeds, tokens)
        return [
            TokenScore(float(logit), row.reshape(GRID, GRID).astype(np.float32))
            for logit, row in zip(logits, weighted, strict=True)
        ]

    @staticmethod
    def probability(logit: float) -> float:
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))


def save_head(
    folder: Path,
    name: str,
    version: str,
    weights: HeadWeights,
    threshold: float,
    card: dict[str, Any],
) -> None:
    """``<name>.npz`` (weights, float32) and ``<name>.json`` (version, threshold, card)."""
    np.savez_compressed(folder / f"{name}.npz", **weights.to_arrays())  # type: ignore[arg-type]
    meta = {"version": version, "threshold": threshold, **card}
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


@cache
def load_head(name: str, model_dir: Path = MODEL_DIR) -> TokenHead | None:
    """The shipped head called ``name`` (``face_tokens`` or ``ai_tokens``), or None if absent."""
    meta_path, weight_path = model_dir / f"{name}.json", model_dir / f"{name}.npz"
    if not (meta_path.exists() and weight_path.exists()):
        return None
    meta = json.loads(meta_path.read_text())
    with np.load(weight_path) as arrays:
        weights = HeadWeights.from_arrays(arrays)
    card = {k: v for k, v in meta.items() if k not in ("version", "threshold")}
    return TokenHead(name, str(meta["version"]), weights, float(meta["threshold"]), card)


def patch_heat(patches: Array, probability: float) -> Array:
    """Patch evidence in [0, 1] for drawing: where in the crop, scaled by how strong overall."""
    span = float(patches.max() - patches.min())
    relative = (patches - patches.min()) / span if span > 1e-9 else np.zeros_like(patches)
    heat: Array = (probability * relative).astype(np.float32)
    return heat
