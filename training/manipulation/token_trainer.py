"""Fitting ``forensics.token_head`` heads with NumPy: whitening, backprop by hand, Adam.

The head is small (a 64 x 32 layer, two 32-d vectors, a 512-d linear term),
so its gradients are written out here and checked against finite
differences in the tests; training needs neither PyTorch nor a GPU and is
seeded, so one command on the CPU reproduces the shipped weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from idolguard.forensics.token_head import HeadWeights

Array = NDArray[np.float32]


def whitening(patches: Array, k: int, seed: int = 0, sample: int = 60000) -> tuple[Array, Array]:
    """Token mean and a ``[768, k]`` basis mapping tokens to whitened principal components.

    Fitted on real photos' patch tokens only (no labels), so every
    leave-one-family-out fold can share it without seeing a held-out fake.
    """
    rng = np.random.default_rng(seed)
    flat = patches.reshape(-1, patches.shape[-1])
    rows = flat[rng.choice(len(flat), size=min(sample, len(flat)), replace=False)]
    rows = rows.astype(np.float64)
    mean = rows.mean(axis=0)
    centred = rows - mean
    cov = centred.T @ centred / max(1, len(rows) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:k]
    basis = vectors[:, order] / np.sqrt(np.maximum(values[order], 1e-8))
    return mean.astype(np.float32), basis.astype(np.float32)


@dataclass
class Params:
    w1: Array
    b1: Array
    query: Array
    value: Array
    embed: Array
    bias: Array  # [1]

    def names(self) -> tuple[str, ...]:
        return ("w1", "b1", "query", "value", "embed", "bias")


def init_params(k: int, d: int, rng: np.random.Generator) -> Params:
    return Params(
        w1=(rng.standard_normal((k, d)) / np.sqrt(k)).astype(np.float32),
        b1=np.zeros(d, np.float32),
        query=(rng.standard_normal(d) * 0.1).astype(np.float32),
        value=(rng.standard_normal(d) * 0.1).astype(np.float32),
        embed=np.zeros(512, np.float32),
        bias=np.zeros(1, np.float32),
    )


def forward_backward(
    params: Params, h: Array, e: Array, y: Array, l2: float = 1e-4
) -> tuple[float, dict[str, Array]]:
    """Mean logistic loss (plus L2) and its gradients for projected patches ``h`` [B, 196, k]."""
    z1 = h @ params.w1 + params.b1
    u = np.tanh(z1)
    logits_att = u @ params.query
    att = np.exp(logits_att - logits_att.max(axis=1, keepdims=True))
    att /= att.sum(axis=1, keepdims=True)
    s = u @ params.value
    logit = (att * s).sum(axis=1) + e @ params.embed + params.bias[0]
    p = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
    eps = 1e-7
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    loss += 0.5 * l2 * sum(float((getattr(params, n) ** 2).sum()) for n in ("w1", "embed"))
    batch = len(y)
    g = ((p - y) / batch).astype(np.float32)
    ds = g[:, None] * att
    da = g[:, None] * s
    de = att * (da - (att * da).sum(axis=1, keepdims=True))
    du = ds[..., None] * params.value + de[..., None] * params.query
    dz1 = du * (1 - u**2)
    k = h.shape[-1]
    grads = {
        "w1": h.reshape(-1, k).T @ dz1.reshape(-1, dz1.shape[-1]) + l2 * params.w1,
        "b1": dz1.sum(axis=(0, 1)),
        "query": (de[..., None] * u).sum(axis=(0, 1)),
        "value": (ds[..., None] * u).sum(axis=(0, 1)),
        "embed": e.T @ g + l2 * params.embed,
        "bias": np.array([g.sum()], np.float32),
    }
    return float(loss), {n: v.astype(np.float32) for n, v in grads.items()}


def fit(
    h: Array,
    e: Array,
    y: Array,
    batches: list[NDArray[np.int64]],
    *,
    d: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
) -> Params:
    """Adam over the given mini-batches of row indices (each a real/fake-paired batch)."""
    rng = np.random.default_rng(seed)
    params = init_params(h.shape[-1], d, rng)
    first = {n: np.zeros_like(getattr(params, n)) for n in params.names()}
    second = {n: np.zeros_like(getattr(params, n)) for n in params.names()}
    beta1, beta2 = 0.9, 0.999
    for step, rows in enumerate(batches, 1):
        _, grads = forward_backward(params, h[rows], e[rows], y[rows])
        for name in params.names():
            first[name] = beta1 * first[name] + (1 - beta1) * grads[name]
            second[name] = beta2 * second[name] + (1 - beta2) * grads[name] ** 2
            m_hat = first[name] / (1 - beta1**step)
            v_hat = second[name] / (1 - beta2**step)
            update = lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            setattr(params, name, (getattr(params, name) - update).astype(np.float32))
    return params


def paired_batches(
    labels: NDArray[np.int64],
    pair_of: NDArray[np.int64],
    steps: int,
    size: int,
    seed: int,
) -> list[NDArray[np.int64]]:
    """Batches of ``size / 2`` fakes, each with the real it was made from when there is one.

    ``pair_of[i]`` is the row of fake ``i``'s source real (same condition),
    or -1; unpaired fakes get a random real. Seeing a fake beside its own
    source leaves the manipulation as the only difference to learn (GenD;
    self-blended images are paired by construction).
    """
    rng = np.random.default_rng(seed)
    fakes = np.flatnonzero(labels == 1)
    reals = np.flatnonzero(labels == 0)
    half = size // 2
    out = []
    for _ in range(steps):
        chosen = rng.choice(fakes, size=half, replace=len(fakes) < half)
        partners = pair_of[chosen]
        missing = partners < 0
        partners[missing] = rng.choice(reals, size=int(missing.sum()))
        out.append(np.concatenate([chosen, partners]))
    return out


def to_weights(params: Params, mean: Array, basis: Array) -> HeadWeights:
    return HeadWeights(
        mean=mean,
        project=basis,
        w1=params.w1,
        b1=params.b1,
        query=params.query,
        value=params.value,
        embed=params.embed,
        bias=float(params.bias[0]),
    )
