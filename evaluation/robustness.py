"""Accuracy under perturbations, as the drop from clean accuracy; the worst drop feeds the promotion gate."""

from __future__ import annotations

from collections.abc import Callable

from longloop.evaluation.classification_metrics import accuracy
from longloop.evaluation.perturbations import PERTURBATIONS, perturb_all


def robustness_report(
    predict: Callable[[list[str]], list[str]], texts: list[str], labels: list[str], clean_accuracy: float, seed: int
) -> dict:
    per = {}
    for name in PERTURBATIONS:
        acc = accuracy(labels, predict(perturb_all(texts, name, seed)))
        per[name] = {"accuracy": acc, "drop": clean_accuracy - acc}
    worst = max(per, key=lambda n: per[n]["drop"])
    return {"perturbations": per, "max_drop": per[worst]["drop"], "worst": worst}
