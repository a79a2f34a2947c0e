"""The drift job's vocabulary: the training vocabulary when given, else half of the reference (real checks)."""

import numpy as np

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_features import training_vocabulary
from longloop.monitoring.drift_job import run_drift_check
from longloop.settings.params import MonitoringParams

MP = MonitoringParams(permutations=200)


def _rows(n: int, stream: int, shifts=()) -> list[dict]:
    return [
        {"text": r["text"], "n_tokens": len(r["text"].split())}
        for r in generate_corpus(n, seed=11, stream=stream, median_tokens=150, shifts=shifts)
    ]


def test_without_a_training_vocabulary_the_reference_is_split_and_fresh_windows_do_not_alarm():
    ref = _rows(120, 1)
    own = run_drift_check(ref, _rows(60, 2), training_vocabulary([r["text"] for r in ref]), 512, MP)
    assert own["checks"]["oov_rate"]["drift"]  # the old CLI's vocabulary: the reference's OOV is 0 by construction
    res = run_drift_check(ref, _rows(60, 2), None, 512, MP)
    assert res["vocabulary"]["source"] == "reference" and res["checks"]["oov_rate"]["reference_measured"] == 60
    assert not res["drift_detected"]
    assert run_drift_check(ref, _rows(60, 3, ("vocabulary",)), None, 512, MP)["checks"]["oov_rate"]["drift"]


def test_a_window_that_is_the_reference_is_not_drift_and_the_split_ignores_row_order():
    ref = _rows(80, 4)
    same = run_drift_check(ref, ref, None, 512, MP)
    assert not same["drift_detected"]
    assert same["checks"]["oov_rate"]["current_measured"] == 40  # its copies of the vocabulary's sources are left out
    again = run_drift_check(ref[::-1], list(np.random.default_rng(0).permutation(ref)), None, 512, MP)
    assert again["window_identity"] == same["window_identity"] and again["checks"] == same["checks"]


def test_a_given_training_vocabulary_measures_every_document():
    ref = _rows(60, 5)
    res = run_drift_check(ref, _rows(40, 6), training_vocabulary([r["text"] for r in _rows(200, 7)]), 512, MP)
    assert res["vocabulary"]["source"] == "training"
    assert (res["checks"]["oov_rate"]["reference_measured"], res["checks"]["oov_rate"]["current_measured"]) == (60, 40)
    assert res["window_identity"] != run_drift_check(ref, _rows(40, 6), None, 512, MP)["window_identity"]
