"""Evaluate a classifier on held-out documents, past accuracy.

Accuracy and macro-F1, calibration (ECE, temperature fitted on validation), length slices, robustness under
perturbations, out-of-distribution detection, latency and CPU cost per 1,000 documents, and, when the
training split is given, the comparisons against the same model truncated to 512 tokens and a TF-IDF model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from longloop.evaluation.baselines import tfidf_baseline
from longloop.evaluation.calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    reliability_bins,
    softmax,
)
from longloop.evaluation.classification_metrics import accuracy, accuracy_by_length, macro_f1
from longloop.evaluation.ood_detection import ood_auroc
from longloop.evaluation.perturbations import transliterate
from longloop.evaluation.report_plots import (
    comparison_chart,
    length_bucket_chart,
    reliability_diagram,
    robustness_chart,
)
from longloop.evaluation.robustness import robustness_report
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import Predictions, predict_documents
from longloop.training.model import LongDocumentClassifier


def evaluate_classifier(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    texts: list[str],
    labels: list[str],
    val_texts: list[str],
    val_labels: list[str],
    length_edges: tuple[int, ...],
    n_bins: int,
    plot_dir: Path | None = None,
    temperature: float | None = None,
    train_texts: list[str] | None = None,
    train_labels: list[str] | None = None,
    seed: int = 0,
) -> tuple[dict, Predictions]:
    """Metrics on ``texts``; the temperature is fitted on the validation set unless given."""
    label_index = {l: i for i, l in enumerate(model.spec.labels)}
    if temperature is None:
        val = predict_documents(model, tokenizer, val_texts)
        temperature = fit_temperature(val.logits, np.array([label_index[l] for l in val_labels]))
    start, cpu_start = time.perf_counter(), time.process_time()
    preds = predict_documents(model, tokenizer, texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    y = np.array([label_index.get(l, -1) for l in labels])
    probs_raw = softmax(preds.logits)
    probs = softmax(preds.logits, temperature)
    known = y >= 0
    by_length = accuracy_by_length(labels, preds.labels, preds.n_tokens, length_edges)
    bins = reliability_bins(probs[known], y[known], n_bins)
    acc = accuracy(labels, preds.labels)
    macro = macro_f1(labels, preds.labels, model.spec.labels)
    ece_uncalibrated = expected_calibration_error(probs_raw[known], y[known], n_bins)
    ece = expected_calibration_error(probs[known], y[known], n_bins)
    metrics: dict[str, object] = {
        "accuracy": acc,
        "macro_f1": macro,
        "ece_uncalibrated": ece_uncalibrated,
        "ece": ece,
        "nll": negative_log_likelihood(probs[known], y[known]),
        "temperature": temperature,
        "n_documents": len(texts),
        "seconds_per_1000_documents": 1000 * seconds / max(1, len(texts)),
        "cpu_seconds_per_1000_documents": 1000 * cpu_seconds / max(1, len(texts)),
        "device": str(next(model.parameters()).device.type),
        "architecture": model.spec.architecture,
        "by_length": by_length,
        "reliability": bins,
    }
    robustness = robustness_report(lambda ts: predict_documents(model, tokenizer, ts).labels, texts, labels, acc, seed)
    shifted = predict_documents(model, tokenizer, [transliterate(t) for t in texts])
    ood = ood_auroc(preds.logits, shifted.logits, temperature)
    metrics.update(
        robustness=robustness,
        robustness_max_drop=robustness["max_drop"],
        ood_auroc=ood,
        ood_auroc_max_softmax=ood["max_softmax"],
        ood_auroc_energy=ood["energy"],
    )
    comparisons = None
    if train_texts is not None and train_labels is not None:
        comparisons = _comparisons(
            model, tokenizer, texts, labels, preds, train_texts, train_labels, length_edges[-1], seed
        )
        metrics["comparisons"] = comparisons
    if plot_dir is not None:
        plot_dir.mkdir(parents=True, exist_ok=True)
        reliability_diagram(bins, ece, plot_dir / "reliability_diagram.png")
        length_bucket_chart(by_length, plot_dir / "accuracy_by_length.png")
        robustness_chart(robustness, acc, plot_dir / "robustness.png")
        if comparisons is not None:
            comparison_chart(comparisons, plot_dir / "long_context_vs_baselines.png")
    preds.probabilities = probs
    return metrics, preds


def _comparisons(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    texts: list[str],
    labels: list[str],
    preds: Predictions,
    train_texts: list[str],
    train_labels: list[str],
    long_edge: int,
    seed: int,
) -> dict:
    """Full context vs the first 512 tokens vs TF-IDF, on all documents and on those over ``long_edge`` tokens."""
    label_set = model.spec.labels
    truncated = predict_documents(model, tokenizer, texts, max_tokens=510)  # 512 with [CLS] and [SEP]
    tfidf = tfidf_baseline(train_texts, train_labels, texts, labels, label_set, seed)
    long_idx = [i for i, n in enumerate(preds.n_tokens) if n > long_edge]
    # a JSON report: per-model score dicts next to plain numbers
    out: dict[str, Any] = {"long_documents": {"min_tokens": long_edge + 1, "count": len(long_idx)}}
    for name, pred in (
        ("full_context", preds.labels),
        ("first_512_tokens", truncated.labels),
        ("tfidf_logistic_regression", tfidf["predictions"]),
    ):
        out[name] = {
            "accuracy": accuracy(labels, pred),
            "macro_f1": macro_f1(labels, pred, label_set),
            "long_documents_accuracy": accuracy([labels[i] for i in long_idx], [pred[i] for i in long_idx])
            if long_idx
            else None,
        }
    out["tfidf_logistic_regression"]["seconds_per_1000_documents"] = tfidf["seconds_per_1000_documents"]
    out["long_context_gain"] = out["full_context"]["accuracy"] - out["first_512_tokens"]["accuracy"]
    out["transformer_gain_over_tfidf"] = out["full_context"]["accuracy"] - out["tfidf_logistic_regression"]["accuracy"]
    return out
