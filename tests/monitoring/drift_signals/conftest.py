"""Windows of the demo corpus, featurised as the drift job does, for the per-signal tests."""

from __future__ import annotations

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_features import document_features, training_vocabulary
from longloop.monitoring.drift_signals import Window
from tests.monitoring.drift_signals.signal_windows import BUCKETS, CONTEXT, SEED


def _rows(records: list[dict]) -> list[dict]:
    return [{"text": r["text"], "n_tokens": len(r["text"].split()), "label": r["label"]} for r in records]


@pytest.fixture(scope="session")
def demo_vocabulary() -> set[str]:
    return set(training_vocabulary([r["text"] for r in generate_corpus(300, seed=SEED, median_tokens=200)]))


@pytest.fixture(scope="session")
def make_window(demo_vocabulary):
    """``make_window(stream, n, shifts=(), seed=SEED)``: a featurised window of fresh demo documents."""

    def make(stream: int, n: int = 100, shifts: tuple[str, ...] = (), seed: int = SEED) -> Window:
        rows = _rows(generate_corpus(n, seed=seed, stream=stream, median_tokens=200, shifts=shifts))
        return Window(document_features(rows, demo_vocabulary, CONTEXT, BUCKETS), rows)

    return make


@pytest.fixture(scope="session")
def reference(make_window) -> Window:
    return make_window(stream=1, n=150)
