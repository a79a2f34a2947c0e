"""Evaluate a classifier on held-out documents: accuracy, macro-F1, calibration and length slices."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from evaluation.calibration import (expected_calibration_error, fit_temperature, negative_log_likelihood,
                                    reliability_bins, softmax)
from evaluation.classification_metrics import accuracy, accuracy_by_length, macro_f1
from evaluation.report_plots import length_bucket_chart, reliability_diagram
from training.document_tokenizer import DocumentTokenizer
from training.inference import Predictions, predict_documents
from training.model import LongDocumentClassifier


def evaluate_classifier(model: LongDocumentClassifier, tokenizer: DocumentTokenizer, texts: list[str],
                        labels: list[str], val_texts: list[str], val_labels: list[str],
                        length_edges: tuple[int, ...], n_bins: int, plot_dir: Path | None = None,
                        temperature: float | None = None) -> tuple[dict, Predictions]:
    """Metrics on ``texts``; the temperature is fitted on the validation set unless given."""
    label_index = {l: i for i, l in enumerate(model.spec.labels)}
    if temperature is None:
        val = predict_documents(model, tokenizer, val_texts)
        temperature = fit_temperature(val.logits, np.array([label_index[l] for l in val_labels]))
    start = time.perf_counter()
    preds = predict_documents(model, tokenizer, texts)
    seconds = time.perf_counter() - start
    y = np.array([label_index.get(l, -1) for l in labels])
    probs_raw = softmax(preds.logits)
    probs = softmax(preds.logits, temperature)
    known = y >= 0
    by_length = accuracy_by_length(labels, preds.labels, preds.n_tokens, length_edges)
    bins = reliability_bins(probs[known], y[known], n_bins)
    metrics = {
        "accuracy": accuracy(labels, preds.labels),
        "macro_f1": macro_f1(labels, preds.labels, model.spec.labels),
        "ece_uncalibrated": expected_calibration_error(probs_raw[known], y[known], n_bins),
        "ece": expected_calibration_error(probs[known], y[known], n_bins),
        "nll": negative_log_likelihood(probs[known], y[known]),
        "temperature": temperature,
        "n_documents": len(texts),
        "seconds_per_1000_documents": 1000 * seconds / max(1, len(texts)),
        "by_length": by_length,
        "reliability": bins,
    }
    if plot_dir is not None:
        plot_dir.mkdir(parents=True, exist_ok=True)
        reliability_diagram(bins, metrics["ece"], plot_dir / "reliability_diagram.png")
        length_bucket_chart(by_length, plot_dir / "accuracy_by_length.png")
    preds.probabilities = probs
    return metrics, preds
