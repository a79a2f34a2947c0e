"""The comparisons every report carries: does long context, and does the transformer, earn its cost?

A traditional baseline (TF-IDF over word uni- and bigrams with logistic regression) trained on the same
training split, and the same model restricted to the first 512 tokens of each document.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from longloop.evaluation.classification_metrics import accuracy, macro_f1


def tfidf_baseline(
    train_texts: list[str],
    train_labels: list[str],
    texts: list[str],
    labels: list[str],
    label_set: tuple[str, ...],
    seed: int,
    calibration_texts: list[str] | None = None,
) -> dict:
    """Fitted on the training texts, scored on ``texts``: predictions and the probabilities of ``label_set``
    (a label the training split never had gets 0), and the same probabilities on ``calibration_texts``."""
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000),
        LogisticRegression(max_iter=2000, C=10.0, random_state=seed),
    )
    start = time.perf_counter()
    model.fit(train_texts, train_labels)
    fit_seconds = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    proba = model.predict_proba(texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    classes = [str(c) for c in model.classes_]
    pred = [classes[i] for i in proba.argmax(axis=1)]
    columns = [classes.index(l) if l in classes else None for l in label_set]

    def aligned(p: np.ndarray) -> np.ndarray:
        return np.stack([p[:, c] if c is not None else np.zeros(len(p)) for c in columns], axis=1)

    classifier = model[-1]
    return {
        "accuracy": accuracy(labels, pred),
        "macro_f1": macro_f1(labels, pred, label_set),
        "fit_seconds": fit_seconds,
        "seconds_per_1000_documents": 1000 * seconds / max(1, len(texts)),
        "cpu_seconds_per_1000_documents": 1000 * cpu_seconds / max(1, len(texts)),
        "predictions": pred,
        "probabilities": aligned(proba),
        "calibration_probabilities": aligned(model.predict_proba(calibration_texts)) if calibration_texts else None,
        "coefficients": int(classifier.coef_.size + classifier.intercept_.size),
    }
