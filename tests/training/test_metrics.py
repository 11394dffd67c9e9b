from __future__ import annotations

import numpy as np
import pytest
from training.manipulation.metrics import (
    accuracy_at,
    fit_logistic,
    roc_auc,
    threshold_at_fpr,
    tpr_at_fpr,
)


def test_auc_counts_ties_as_half() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert roc_auc([0, 0, 1], [0.1, 0.3, 0.2]) == 0.5
    assert np.isnan(roc_auc([1, 1], [0.1, 0.2]))


def test_threshold_at_fpr_flags_at_most_that_share_of_negatives() -> None:
    labels = np.array([0] * 100 + [1] * 10)
    scores = np.concatenate([np.linspace(0, 1, 100), np.full(10, 0.995)])
    threshold = threshold_at_fpr(labels, scores, 0.05)
    assert (scores[:100] >= threshold).mean() <= 0.05
    assert tpr_at_fpr(labels, scores, 0.05) == 1.0
    assert accuracy_at(labels, scores, threshold) >= 0.95


def test_logistic_fit_separates_and_is_balanced() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.5, (200, 2)), rng.normal(1, 0.5, (20, 2))])
    y = np.array([0] * 200 + [1] * 20)
    beta = fit_logistic(x, y, l2=1e-3)
    p = 1 / (1 + np.exp(-(x @ beta[:-1] + beta[-1])))
    assert roc_auc(y, p) > 0.99
    # Balanced weights: the rare class is not drowned (a point midway scores about 0.5).
    middle = 1 / (1 + np.exp(-(np.zeros(2) @ beta[:-1] + beta[-1])))
    assert middle == pytest.approx(0.5, abs=0.15)
