"""Out-of-distribution detection: how well a model's own scores tell shifted documents from in-domain ones."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score


def ood_scores(logits: np.ndarray, temperature: float = 1.0) -> dict[str, np.ndarray]:
    """Higher means more likely out of distribution."""
    z = logits / temperature
    max_softmax = np.exp(z.max(axis=1) - logsumexp(z, axis=1))
    return {"max_softmax": -max_softmax, "energy": -temperature * logsumexp(z, axis=1)}


def ood_auroc(in_logits: np.ndarray, out_logits: np.ndarray, temperature: float = 1.0) -> dict[str, float]:
    """AUROC of each score separating ``out_logits`` (positives) from ``in_logits``; 0.5 is chance."""
    inside, outside = ood_scores(in_logits, temperature), ood_scores(out_logits, temperature)
    y = np.r_[np.zeros(len(in_logits)), np.ones(len(out_logits))]
    return {name: float(roc_auc_score(y, np.r_[inside[name], outside[name]])) for name in inside}
