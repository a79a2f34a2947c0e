"""The two-sample tests the drift signals use, each valid under exchangeable no-drift windows.

Rank tests, exact tests and permutation tests hold their false-alarm rate at the chosen level whatever the
window size, which is what lets the detector Bonferroni-correct them across signals:

- ``rank_and_tail_test``: a Mann-Whitney U test (a shift of the whole window) and Fisher's exact test on the
  share of documents above the pooled 95th percentile (a minority of out-of-domain documents, which moves the
  ranks of only a tenth of a window and that a rank test misses), the smaller p-value doubled (Bonferroni
  inside the test);
- ``permutation_mean_shift``: a permutation test on the distance between window means, with Besag-Clifford
  sequential stopping so a window that is clearly not drifting stops after one batch; ``permutations_needed``
  sizes it so that its smallest possible p-value is at most half the Bonferroni threshold (``1/(B+1)`` must be
  below ``alpha / checks`` or the check can never fire: with ``alpha`` 0.01, six checks and a fixed 500
  permutations it never could);
- ``categorical_test``: Fisher's exact test for two classes, chi-square otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import sparse, stats

TAIL_QUANTILE = 0.95  # the pooled quantile above which a document counts as "in the upper tail"
RESOLUTION = 2  # the smallest permutation p-value is at most threshold / RESOLUTION
STOP_AFTER_EXCEEDANCES = 20  # Besag-Clifford: stop once this many permuted statistics reach the observed
_BATCH = 256


def permutations_needed(alpha: float, n_checks: int, minimum: int) -> int:
    """Enough permutations that ``1/(B+1)`` is at most ``alpha / n_checks / RESOLUTION``."""
    return max(minimum, math.ceil(RESOLUTION * n_checks / alpha))


def permutation_mean_shift(
    ref: np.ndarray,
    cur: np.ndarray,
    permutations: int,
    seed: int | Sequence[int],
    stop_after: int = STOP_AFTER_EXCEEDANCES,
) -> tuple[float, float, int]:
    """Squared distance between the window means of standardised vectors, its permutation p-value, and the
    number of permutations drawn.

    Each permutation draws which documents form the smaller of the two windows (the other is the rest);
    a batch of them is one sparse 0/1 matrix times the data, so a permutation costs the smaller window's size
    times the dimension. With sequential stopping (Besag and Clifford, 1991) the p-value is ``h / L`` when the
    ``h``-th permuted statistic at least as large as the observed one comes at draw ``L``, otherwise
    ``(g + 1) / (B + 1)`` after all ``B`` draws with ``g`` such statistics; both are valid p-values.
    """
    x = np.concatenate([ref, cur]).astype(np.float64)
    x = ((x - x.mean(0)) / (x.std(0) + 1e-9)).astype(np.float32)
    n, n_ref, n_cur = len(x), len(ref), len(cur)
    total = x.sum(0, dtype=np.float64)
    small_is_cur = n_cur <= n_ref
    k = n_cur if small_is_cur else n_ref

    def stats_of(idx: np.ndarray) -> np.ndarray:  # idx: (b, k) rows of the smaller window
        b = len(idx)
        pick = sparse.csr_matrix(
            (np.ones(b * k, dtype=np.float32), idx.ravel(), np.arange(0, b * k + 1, k)), shape=(b, n)
        )
        s_small = np.asarray(pick @ x, dtype=np.float64)
        s_cur = s_small if small_is_cur else total - s_small
        return np.sum((s_cur / n_cur - (total - s_cur) / n_ref) ** 2, axis=1)

    actual = np.arange(n_ref, n) if small_is_cur else np.arange(n_ref)
    observed = float(stats_of(actual[None, :])[0])
    rng = np.random.default_rng(seed)
    exceed = drawn = 0
    while drawn < permutations:
        b = min(_BATCH, permutations - drawn)
        idx = np.argpartition(rng.random((b, n), dtype=np.float32), k - 1, axis=1)[:, :k]
        hits = np.cumsum(stats_of(idx) >= observed * (1 - 1e-6))
        if stop_after and exceed + hits[-1] >= stop_after:
            at = int(np.argmax(hits >= stop_after - exceed))
            return observed, stop_after / (drawn + at + 1), drawn + at + 1
        exceed += int(hits[-1])
        drawn += b
    return observed, (1 + exceed) / (1 + permutations), permutations


def rank_and_tail_test(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """AUC of the current window over the reference, and the p-value of the better of two tests (doubled):
    Mann-Whitney U, and Fisher's exact test on the counts above the pooled ``TAIL_QUANTILE`` quantile.

    The tail cut is a symmetric function of the pooled values, so under exchangeability the counts above it
    are hypergeometric and Fisher's test is exact."""
    pooled = np.concatenate([ref, cur])
    if len(ref) == 0 or len(cur) == 0 or np.all(pooled == pooled[0]):
        return 0.5, 1.0
    mw = stats.mannwhitneyu(cur, ref, alternative="two-sided")
    cut = np.quantile(pooled, TAIL_QUANTILE)
    a, b = int((ref > cut).sum()), int((cur > cut).sum())
    p_tail = stats.fisher_exact([[a, len(ref) - a], [b, len(cur) - b]], alternative="less")[1] if a + b else 1.0
    return float(mw.statistic) / (len(ref) * len(cur)), min(1.0, 2 * min(float(mw.pvalue), float(p_tail)))


def categorical_test(ref: list, cur: list) -> tuple[float, float]:
    """Fisher's exact test (odds ratio) for two categories, chi-square (statistic) for more."""
    cats = sorted(set(ref) | set(cur))
    if len(cats) < 2:
        return 0.0, 1.0
    table = np.array([[ref.count(c) for c in cats], [cur.count(c) for c in cats]])
    if len(cats) == 2:
        odds, p = stats.fisher_exact(table)
        return float(odds) if np.isfinite(odds) else 1e9, float(p)
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    return float(chi2), float(p)
