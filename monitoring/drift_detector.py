"""Calibrated drift detection: one two-sample test per signal, Bonferroni-corrected across signals.

Each test's p-value is valid under exchangeable no-drift windows (rank tests, exact tests, permutation
tests), so the per-window false-alarm rate is held at ``alpha`` whatever the window size:

- length: Kolmogorov-Smirnov on log token counts; truncation rate: Fisher's exact test;
- out-of-vocabulary rate and non-ASCII letter share: a Mann-Whitney U test (a shift of the whole window)
  and Fisher's exact test on the share of documents above the pooled 95th percentile (a minority of
  out-of-domain documents, which moves the ranks of only a tenth of a window and that a rank test misses),
  the smaller p-value doubled (Bonferroni inside the check);
- hashed word frequencies and the model's pooled embeddings: a permutation test on the distance between
  window means, with enough permutations that its smallest possible p-value is at most half the
  Bonferroni threshold (``1/(B+1)`` must be below ``alpha / checks`` or the check can never fire: with
  ``alpha`` 0.01, six checks and a fixed 500 permutations it never could), and Besag-Clifford sequential
  stopping so a window that is clearly not drifting stops after one batch;
- predicted and feedback labels: Fisher's exact test for two classes, chi-square otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

TAIL_QUANTILE = 0.95  # the pooled quantile above which a document counts as "in the upper tail"
RESOLUTION = 2  # the smallest permutation p-value is at most threshold / RESOLUTION
STOP_AFTER_EXCEEDANCES = 20  # Besag-Clifford: stop once this many permuted statistics reach the observed
MIN_LABELLED = 20  # fewer feedback labels than this in a window: no label check (too little power to be worth a test)
_BATCH = 256


@dataclass
class DriftResult:
    drift_detected: bool
    score: float  # 1 - the smallest Bonferroni-adjusted p-value
    alpha: float
    checks: dict[str, dict]
    n_reference: int
    n_current: int

    def to_dict(self) -> dict:
        return {"drift_detected": self.drift_detected, "score": self.score, "alpha": self.alpha,
                "n_reference": self.n_reference, "n_current": self.n_current, "checks": self.checks}


def permutations_needed(alpha: float, n_checks: int, minimum: int) -> int:
    """Enough permutations that ``1/(B+1)`` is at most ``alpha / n_checks / RESOLUTION``."""
    return max(minimum, math.ceil(RESOLUTION * n_checks / alpha))


def permutation_mean_shift(ref: np.ndarray, cur: np.ndarray, permutations: int, seed: int,
                           stop_after: int = STOP_AFTER_EXCEEDANCES) -> tuple[float, float, int]:
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
        pick = sparse.csr_matrix((np.ones(b * k, dtype=np.float32), idx.ravel(), np.arange(0, b * k + 1, k)),
                                 shape=(b, n))
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
    if np.all(pooled == pooled[0]):
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


def detect_drift(ref_feats: dict, cur_feats: dict, ref_rows: list[dict], cur_rows: list[dict],
                 alpha: float, permutations: int, seed: int = 0) -> DriftResult:
    """``permutations`` is a floor: the permutation checks draw up to ``permutations_needed(...)``."""
    with_embedding = "embedding" in ref_feats and "embedding" in cur_feats
    with_prediction = all("prediction" in r for r in ref_rows + cur_rows)
    # Feedback labels arrive late and for some documents only: the label check compares the labelled ones.
    ref_labels = [r["label"] for r in ref_rows if r.get("label")]
    cur_labels = [r["label"] for r in cur_rows if r.get("label")]
    with_label = len(ref_labels) == len(ref_rows) and len(cur_labels) >= MIN_LABELLED
    n_checks = 5 + with_embedding + with_prediction + with_label
    budget = permutations_needed(alpha, n_checks, permutations)

    raw: dict[str, tuple] = {}
    ks = stats.ks_2samp(ref_feats["log_tokens"], cur_feats["log_tokens"])
    raw["length"] = (float(ks.statistic), float(ks.pvalue), "Kolmogorov-Smirnov on log token count", {})
    t_ref, t_cur = ref_feats["truncated"], cur_feats["truncated"]
    table = [[int(t_ref.sum()), int(len(t_ref) - t_ref.sum())], [int(t_cur.sum()), int(len(t_cur) - t_cur.sum())]]
    _, p = stats.fisher_exact(table)
    raw["truncation_rate"] = (float(t_cur.mean() - t_ref.mean()), float(p), "Fisher exact on share over the context", {})
    tail = f"Mann-Whitney U (statistic: AUC) and Fisher exact above the pooled {TAIL_QUANTILE:.0%} quantile, min p x2"
    raw["oov_rate"] = (*rank_and_tail_test(ref_feats["oov_rate"], cur_feats["oov_rate"]), f"OOV rate: {tail}", {})
    raw["charset"] = (*rank_and_tail_test(ref_feats["non_ascii_rate"], cur_feats["non_ascii_rate"]),
                      f"non-ASCII letter share: {tail}", {})
    s, p, drawn = permutation_mean_shift(ref_feats["hashed_words"], cur_feats["hashed_words"], budget, seed)
    raw["words"] = (s, p, "permutation test on hashed word frequencies (mean shift)", {"permutations": drawn})
    if with_embedding:
        s, p, drawn = permutation_mean_shift(ref_feats["embedding"], cur_feats["embedding"], budget, seed + 1)
        raw["embedding"] = (s, p, "permutation test on pooled model embeddings (mean shift)", {"permutations": drawn})
    if with_prediction:
        raw["prediction"] = (*categorical_test([r["prediction"] for r in ref_rows], [r["prediction"] for r in cur_rows]),
                             "Fisher exact (2 classes) or chi-square on predicted labels", {})
    if with_label:
        raw["label"] = (*categorical_test(ref_labels, cur_labels),
                        "Fisher exact (2 classes) or chi-square on feedback labels", {"n_labelled": len(cur_labels)})
    assert len(raw) == n_checks
    threshold = alpha / n_checks
    checks = {name: {"statistic": round(s, 6), "p_value": p, "threshold": threshold, "drift": p < threshold,
                     "method": m, **extra} for name, (s, p, m, extra) in raw.items()}
    min_adj = min(1.0, min(c["p_value"] for c in checks.values()) * n_checks)
    return DriftResult(any(c["drift"] for c in checks.values()), round(1 - min_adj, 6), alpha, checks,
                       len(ref_rows), len(cur_rows))
