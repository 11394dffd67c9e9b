"""The hand-written backprop of the token head, and that fitting it learns a planted signal."""

from __future__ import annotations

import numpy as np
from training.manipulation.token_trainer import (
    Params,
    fit,
    forward_backward,
    init_params,
    paired_batches,
    to_weights,
    whitening,
)

from idolguard.forensics.token_head import head_logits


def _toy(n: int = 6, k: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, 196, k)).astype(np.float32)
    e = rng.standard_normal((n, 512)).astype(np.float32) * 0.1
    y = (np.arange(n) % 2).astype(np.float32)
    return h, e, y


def test_gradients_match_finite_differences() -> None:
    h, e, y = _toy()
    rng = np.random.default_rng(1)
    params = init_params(5, 4, rng)
    params.query = rng.standard_normal(4).astype(np.float32)
    params.value = rng.standard_normal(4).astype(np.float32)
    params.embed = rng.standard_normal(512).astype(np.float32) * 0.1
    _, grads = forward_backward(params, h, e, y)
    for name, index in (
        ("w1", (2, 1)),
        ("b1", (3,)),
        ("query", (0,)),
        ("value", (2,)),
        ("embed", (7,)),
        ("bias", (0,)),
    ):
        array = getattr(params, name).astype(np.float64)
        step = 1e-3
        plus, minus = array.copy(), array.copy()
        plus[index] += step
        minus[index] -= step
        setattr(params, name, plus.astype(np.float32))
        up, _ = forward_backward(params, h, e, y)
        setattr(params, name, minus.astype(np.float32))
        down, _ = forward_backward(params, h, e, y)
        setattr(params, name, array.astype(np.float32))
        numeric = (up - down) / (2 * step)
        assert abs(numeric - float(grads[name][index])) < 2e-3 * max(1.0, abs(numeric)), name


def test_fit_learns_a_local_patch_signal_and_inference_agrees() -> None:
    """Fakes differ from reals in a few patches only: the attention head must find them."""
    rng = np.random.default_rng(0)
    n, width = 120, 768
    tokens = rng.standard_normal((n, 197, width)).astype(np.float32)
    tokens[..., :32] *= 5.0  # real tokens vary mostly in a few directions, as CLIP's do
    labels = (np.arange(n) % 2).astype(np.int64)
    tokens[labels == 1, 5:9, :16] += 6.0  # four patches carry the evidence
    mean, basis = whitening(tokens[labels == 0, 1:], k=24)
    h = ((tokens[:, 1:] - mean) @ basis).astype(np.float32)
    e = np.zeros((n, 512), np.float32)
    pairs = np.where(labels == 1, np.arange(n) - 1, -1).astype(np.int64)
    batches = paired_batches(labels, pairs, steps=150, size=32, seed=0)
    params: Params = fit(h, e, labels.astype(np.float32), batches, d=8, lr=1e-2)
    logits, weighted = head_logits(to_weights(params, mean, basis), e, tokens)
    assert logits[labels == 1].min() > logits[labels == 0].max()
    # the heatmap points at the planted patches
    assert set(np.argsort(weighted[labels == 1].mean(axis=0))[-4:]) == {4, 5, 6, 7}


def test_paired_batches_put_each_fake_beside_its_source() -> None:
    labels = np.array([0, 1, 0, 1, 0, 1], dtype=np.int64)
    pairs = np.array([-1, 0, -1, 2, -1, -1], dtype=np.int64)
    for rows in paired_batches(labels, pairs, steps=20, size=4, seed=3):
        fakes, partners = rows[:2], rows[2:]
        assert (labels[fakes] == 1).all() and (labels[partners] == 0).all()
        for fake, partner in zip(fakes, partners, strict=True):
            if pairs[fake] >= 0:
                assert partner == pairs[fake]
