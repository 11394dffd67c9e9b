"""The NumPy token head: saving and loading, what it computes, its heatmap, the shipped heads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from idolguard.forensics.token_head import (
    GRID,
    HeadWeights,
    head_logits,
    load_head,
    patch_heat,
    save_head,
)


def _weights(rng: np.random.Generator, k: int = 6, d: int = 4) -> HeadWeights:
    return HeadWeights(
        mean=rng.standard_normal(768).astype(np.float32),
        project=rng.standard_normal((768, k)).astype(np.float32) * 0.05,
        w1=rng.standard_normal((k, d)).astype(np.float32),
        b1=rng.standard_normal(d).astype(np.float32),
        query=rng.standard_normal(d).astype(np.float32),
        value=rng.standard_normal(d).astype(np.float32),
        embed=rng.standard_normal(512).astype(np.float32) * 0.1,
        bias=0.25,
    )


def test_saved_heads_load_back_and_score_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = _weights(rng)
    save_head(tmp_path, "face_tokens", "7", weights, 0.8, {"note": "test"})
    head = load_head("face_tokens", tmp_path)
    assert head is not None and head.version == "7" and head.threshold == 0.8
    assert head.card["note"] == "test"
    embeds = rng.standard_normal((3, 512)).astype(np.float32)
    tokens = rng.standard_normal((3, 197, 768)).astype(np.float32)
    scores = head.score(embeds, tokens)
    logits, _ = head_logits(weights, embeds, tokens)
    assert [s.logit for s in scores] == pytest.approx(logits.tolist(), rel=1e-5)
    assert all(s.patches.shape == (GRID, GRID) for s in scores)
    assert load_head("ai_tokens", tmp_path) is None  # absent: the signal falls back


def test_the_logit_is_the_attention_pooled_patch_score_plus_the_embedding_term() -> None:
    rng = np.random.default_rng(1)
    weights = _weights(rng)
    embeds = rng.standard_normal((1, 512)).astype(np.float32)
    tokens = rng.standard_normal((1, 197, 768)).astype(np.float32)
    logits, weighted = head_logits(weights, embeds, tokens)
    expected = weighted.sum() + float(embeds[0] @ weights.embed) + weights.bias
    assert logits[0] == pytest.approx(expected, rel=1e-5)
    tokens[0, 0] += 100.0  # the CLS token is not a patch: it does not move the head
    assert head_logits(weights, embeds, tokens)[0][0] == pytest.approx(logits[0], rel=1e-5)


def test_patch_heat_is_relative_and_scaled_by_the_probability() -> None:
    patches = np.zeros((GRID, GRID), np.float32)
    patches[3, 4] = 2.0
    heat = patch_heat(patches, 0.5)
    assert heat.max() == pytest.approx(0.5) and heat[3, 4] == heat.max()
    assert patch_heat(np.zeros((GRID, GRID), np.float32), 0.9).max() == 0.0
