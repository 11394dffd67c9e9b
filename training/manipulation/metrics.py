"""ROC figures without scikit-learn: AUC, TPR at a fixed FPR, accuracy at a threshold."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def threshold_at_fpr(labels: ArrayLike, scores: ArrayLike, fpr: float) -> float:
    """The lowest threshold (score >= threshold flags) whose false-positive rate is <= ``fpr``."""
    y = np.asarray(labels, dtype=bool)
    negatives = np.sort(np.asarray(scores, dtype=np.float64)[~y])[::-1]
    allowed = int(np.floor(fpr * len(negatives)))
    if allowed >= len(negatives):
        return float(negatives[-1])
    return float(np.nextafter(negatives[allowed], np.inf))


def tpr_at_fpr(labels: ArrayLike, scores: ArrayLike, fpr: float) -> float:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if not y.any() or y.all():
        return float("nan")
    threshold = threshold_at_fpr(y, s, fpr)
    return float((s[y] >= threshold).mean())


def accuracy_at(labels: ArrayLike, scores: ArrayLike, threshold: float) -> float:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    return float(((s >= threshold) == y).mean())


def family_figures(
    labels_by_family: dict[str, np.ndarray], probabilities: np.ndarray
) -> dict[str, dict[str, float | int]]:
    """Counts, AUC and TPR at 1 % FPR per family; ``probabilities`` are the families' in order."""
    figures: dict[str, dict[str, float | int]] = {}
    offset = 0
    for family, labels in labels_by_family.items():
        p = probabilities[offset : offset + len(labels)]
        offset += len(labels)
        figures[family] = {
            "n_real": int((labels == 0).sum()),
            "n_fake": int((labels == 1).sum()),
            "auc": round(roc_auc(labels, p), 4),
            "tpr_at_1pct_fpr": round(tpr_at_fpr(labels, p, 0.01), 4),
        }
    return figures


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 30) -> np.ndarray:
    """Weights (last entry the bias) of a class-balanced L2 logistic regression (Newton)."""
    design = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    weight = np.where(y == 1, 0.5 / max(1, (y == 1).sum()), 0.5 / max(1, (y == 0).sum()))
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + penalty * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta
