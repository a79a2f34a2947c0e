"""Calibration of the two-sample tests the drift signals use: null p-values uniform enough, planted shifts found."""

import numpy as np
import pytest
from scipy import stats

from longloop.monitoring.two_sample_tests import (
    categorical_test,
    permutation_mean_shift,
    permutations_needed,
    rank_and_tail_test,
)


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
