import numpy as np
import pytest

from corpus.demo_corpus import generate_corpus
from monitoring.drift_detector import detect_drift
from monitoring.drift_features import document_features, training_vocabulary
from settings.params import MonitoringParams

MP = MonitoringParams(permutations=200)


def _rows(records):
    return [{"text": r["text"], "n_tokens": len(r["text"].split()), "label": r["label"]} for r in records]


@pytest.fixture(scope="module")
def reference():
    train = generate_corpus(300, seed=5, median_tokens=200)
    ref = _rows(generate_corpus(150, seed=5, stream=1, median_tokens=200))
    vocab = set(training_vocabulary([r["text"] for r in train]))
    return ref, vocab, document_features(ref, vocab, 512, MP.hash_buckets)


def _check(reference, records, seed=0):
    ref, vocab, ref_f = reference
    cur = _rows(records)
    return detect_drift(ref_f, document_features(cur, vocab, 512, MP.hash_buckets), ref, cur, 0.05, 200, seed)


def test_no_drift_windows_rarely_alarm(reference):
    alarms = [_check(reference, generate_corpus(100, seed=5, stream=10 + i, median_tokens=200), i).drift_detected
              for i in range(20)]
    assert sum(alarms) <= 3  # alpha 0.05: about one expected in 20; a miscalibrated detector fires on most


@pytest.mark.parametrize("shift, signal", [("longer", "length"), ("vocabulary", "oov_rate"),
                                           ("alphabet", "charset"), ("label_prior", "label")])
def test_each_shift_is_detected_by_its_signal(reference, shift, signal):
    res = _check(reference, generate_corpus(100, seed=5, stream=50, median_tokens=200, shifts=(shift,)))
    assert res.drift_detected
    assert res.checks[signal]["drift"]
    assert 0 <= res.score <= 1
