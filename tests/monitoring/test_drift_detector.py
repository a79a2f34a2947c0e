import numpy as np
import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_detector import detect_drift
from longloop.monitoring.drift_features import document_features, training_vocabulary
from longloop.settings.params import MonitoringParams

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


# --- calibration of the individual tests -------------------------------------------------------------------

from longloop.monitoring.drift_detector import (categorical_test, permutation_mean_shift,  # noqa: E402
                                       permutations_needed, rank_and_tail_test)


def test_permutation_budget_lets_the_check_fire_at_its_threshold():
    for alpha, k, floor in [(0.01, 6, 500), (0.01, 7, 500), (0.05, 6, 200), (0.001, 5, 50)]:
        b = permutations_needed(alpha, k, floor)
        assert b >= floor and 1 / (b + 1) <= alpha / k / 2


def test_permutation_test_null_p_values_are_calibrated_and_stop_early():
    rng = np.random.default_rng(0)
    pvals, drawn = [], []
    for i in range(60):
        x = rng.standard_normal((150, 8)) ** 2  # skewed, like word frequencies
        _, p, d = permutation_mean_shift(x[:100], x[100:], 2000, seed=i)
        pvals.append(p)
        drawn.append(d)
    pvals = np.array(pvals)
    assert (pvals < 0.05).sum() <= 8  # about 3 expected in 60
    assert 0.3 < np.median(pvals) < 0.7
    assert np.median(drawn) <= 256  # Besag-Clifford: a null window stops in its first batch


@pytest.mark.parametrize("n_ref, n_cur", [(300, 60), (60, 300)])
def test_permutation_test_finds_a_planted_mean_shift(n_ref, n_cur):
    rng = np.random.default_rng(1)
    ref, cur = rng.standard_normal((n_ref, 16)), rng.standard_normal((n_cur, 16))
    cur[:, 3] += 1.0
    stat, p, drawn = permutation_mean_shift(ref, cur, 1000, seed=0)
    assert p == 1 / 1001 and drawn == 1000 and stat > 0.5


def test_rank_and_tail_test_catches_a_minority_a_rank_test_misses():
    rng = np.random.default_rng(2)
    ref = rng.uniform(0, 0.05, 1000)
    cur = np.concatenate([rng.uniform(0, 0.05, 186), np.ones(14)])  # 7% of the window out of domain
    from scipy import stats
    assert stats.mannwhitneyu(cur, ref).pvalue > 0.01 / 6  # ranks move by a tenth of the window only
    _, p = rank_and_tail_test(ref, cur)
    assert p < 1e-4
    assert rank_and_tail_test(np.zeros(100), np.zeros(50)) == (0.5, 1.0)
    _, p = rank_and_tail_test(np.zeros(1000), np.r_[np.zeros(450), np.full(50, 0.8)])  # all-ASCII reference
    assert p < 1e-10


def test_rank_and_tail_test_false_alarms_are_bounded():
    rng = np.random.default_rng(3)
    p = [rank_and_tail_test(rng.exponential(size=300), rng.exponential(size=100))[1] for _ in range(200)]
    assert sum(x < 0.05 for x in p) <= 17  # at most 10 expected (the doubled minimum is conservative)
    p = [rank_and_tail_test(rng.poisson(0.3, 300) / 10, rng.poisson(0.3, 100) / 10)[1] for _ in range(200)]
    assert sum(x < 0.05 for x in p) <= 17  # heavy ties at zero


def test_categorical_test():
    assert categorical_test(["a"] * 10, ["a"] * 5) == (0.0, 1.0)
    _, p = categorical_test(["a", "b"] * 100, ["a"] * 10 + ["b"] * 90)
    assert p < 1e-8
    _, p = categorical_test(["a", "b", "c"] * 50, ["a", "b", "c"] * 20)
    assert p > 0.9


def test_ten_percent_other_language_is_found_at_the_default_alpha(reference):
    """At params.yaml's alpha (0.01) with 500 permutations the old word check could never fire (1/501 is
    above 0.01/6); the hashed-word and OOV checks must each find a window that is a fifth another language."""
    ref, vocab, ref_f = reference
    cur = _rows(generate_corpus(80, seed=5, stream=60, median_tokens=200)
                + generate_corpus(20, seed=99, stream=61, median_tokens=200))
    res = detect_drift(ref_f, document_features(cur, vocab, 512, MP.hash_buckets), ref, cur, 0.01, 500, 0)
    assert res.drift_detected
    assert res.checks["words"]["drift"] and res.checks["oov_rate"]["drift"]
    assert res.checks["words"]["p_value"] <= res.checks["words"]["threshold"] / 2
    assert set(res.checks["words"]) >= {"statistic", "p_value", "threshold", "drift", "method", "permutations"}


def test_label_check_uses_the_feedback_that_has_arrived(reference):
    from longloop.monitoring.drift_detector import MIN_LABELLED

    shifted = _rows(generate_corpus(100, seed=5, stream=51, median_tokens=200, shifts=("label_prior",)))
    ref, vocab, ref_f = reference
    cur_f = document_features(shifted, vocab, 512, MP.hash_buckets)

    def check(n_labelled):
        cur = [r if i < n_labelled else {k: v for k, v in r.items() if k != "label"} for i, r in enumerate(shifted)]
        return detect_drift(ref_f, cur_f, ref, cur, 0.05, 200, 0)

    partial = check(60)
    assert partial.checks["label"]["n_labelled"] == 60 and partial.checks["label"]["drift"]
    assert "label" not in check(MIN_LABELLED - 1).checks
