"""Accuracy, macro-F1 and per-length-bucket accuracy for a set of predictions."""

from __future__ import annotations

import numpy as np


def accuracy(y_true: list[str], y_pred: list[str]) -> float:
    return float(np.mean([a == b for a, b in zip(y_true, y_pred)])) if y_true else 0.0


def macro_f1(y_true: list[str], y_pred: list[str], labels: tuple[str, ...]) -> float:
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(y_true, y_pred))
        fp = sum(t != label and p == label for t, p in zip(y_true, y_pred))
        fn = sum(t == label and p != label for t, p in zip(y_true, y_pred))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def bucket_name(n_tokens: int, edges: tuple[int, ...]) -> str:
    lo = 0
    for edge in edges:
        if n_tokens <= edge:
            return f"{lo}-{edge}"
        lo = edge + 1
    return f">{edges[-1]}"


def accuracy_by_length(
    y_true: list[str], y_pred: list[str], n_tokens: list[int], edges: tuple[int, ...]
) -> dict[str, dict]:
    buckets: dict[str, list[bool]] = {}
    for t, p, n in zip(y_true, y_pred, n_tokens):
        buckets.setdefault(bucket_name(n, edges), []).append(t == p)
    order = [bucket_name(e, edges) for e in edges] + [f">{edges[-1]}"]
    return {b: {"accuracy": float(np.mean(buckets[b])), "count": len(buckets[b])} for b in order if b in buckets}


def macro_f1_by_length(
    y_true: list[str], y_pred: list[str], n_tokens: list[int], edges: tuple[int, ...]
) -> dict[str, float]:
    """Macro-F1 per length bucket, over the labels that occur in the bucket (as truth or prediction): a label
    with no document of that length would otherwise count as an F1 of 0."""
    buckets: dict[str, tuple[list[str], list[str]]] = {}
    for t, p, n in zip(y_true, y_pred, n_tokens):
        truth, predicted = buckets.setdefault(bucket_name(n, edges), ([], []))
        truth.append(t)
        predicted.append(p)
    return {b: macro_f1(t, p, tuple(sorted(set(t) | set(p)))) for b, (t, p) in buckets.items()}
