"""The comparisons every report carries: does long context, and does the transformer, earn its cost?

A traditional baseline (TF-IDF over word uni- and bigrams with logistic regression) trained on the same
training split, and the same model restricted to the first 512 tokens of each document.
"""

from __future__ import annotations

import time

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
) -> dict:
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000),
        LogisticRegression(max_iter=2000, C=10.0, random_state=seed),
    )
    start = time.perf_counter()
    model.fit(train_texts, train_labels)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    pred = [str(p) for p in model.predict(texts)]
    seconds = time.perf_counter() - start
    return {
        "accuracy": accuracy(labels, pred),
        "macro_f1": macro_f1(labels, pred, label_set),
        "fit_seconds": fit_seconds,
        "seconds_per_1000_documents": 1000 * seconds / max(1, len(texts)),
        "predictions": pred,
    }
