"""Calibrated drift detection: one two-sample test per signal, Bonferroni-corrected across signals.

Each test's p-value is valid under exchangeable no-drift windows (rank tests, exact tests, permutation
tests), so the per-window false-alarm rate is held at ``alpha`` whatever the window size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


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


def permutation_mean_shift(ref: np.ndarray, cur: np.ndarray, permutations: int, seed: int) -> tuple[float, float]:
    """Squared distance between window means of standardised vectors, and its permutation p-value."""
    x = np.concatenate([ref, cur]).astype(np.float64)
    x = (x - x.mean(0)) / (x.std(0) + 1e-9)
    n_ref = len(ref)
    total = x.sum(0)

    def stat(idx_cur: np.ndarray) -> float:
        s_cur = x[idx_cur].sum(0)
        return float(np.sum((s_cur / len(idx_cur) - (total - s_cur) / n_ref) ** 2))

    observed = stat(np.arange(n_ref, len(x)))
    rng = np.random.default_rng(seed)
    exceed = sum(stat(rng.permutation(len(x))[: len(cur)]) >= observed for _ in range(permutations))
    return observed, (1 + exceed) / (1 + permutations)


def _categorical(ref: list, cur: list) -> tuple[float, float]:
    cats = sorted(set(ref) | set(cur))
    if len(cats) < 2:
        return 0.0, 1.0
    table = np.array([[ref.count(c) for c in cats], [cur.count(c) for c in cats]])
    chi2, p, _, _ = stats.chi2_contingency(table)
    return float(chi2), float(p)


def _rank_test(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    if np.all(ref == ref[0]) and np.all(cur == ref[0]):
        return 0.0, 1.0
    res = stats.mannwhitneyu(ref, cur, alternative="two-sided")
    return float(res.statistic), float(res.pvalue)


def detect_drift(ref_feats: dict, cur_feats: dict, ref_rows: list[dict], cur_rows: list[dict],
                 alpha: float, permutations: int, seed: int = 0) -> DriftResult:
    raw: dict[str, tuple[float, float, str]] = {}
    ks = stats.ks_2samp(ref_feats["log_tokens"], cur_feats["log_tokens"])
    raw["length"] = (float(ks.statistic), float(ks.pvalue), "Kolmogorov-Smirnov on log token count")
    t_ref, t_cur = ref_feats["truncated"], cur_feats["truncated"]
    table = [[int(t_ref.sum()), int(len(t_ref) - t_ref.sum())], [int(t_cur.sum()), int(len(t_cur) - t_cur.sum())]]
    odds, p = stats.fisher_exact(table)
    raw["truncation_rate"] = (float(t_cur.mean() - t_ref.mean()), float(p), "Fisher exact on share over the context")
    raw["oov_rate"] = (*_rank_test(ref_feats["oov_rate"], cur_feats["oov_rate"]), "Mann-Whitney U on OOV rate")
    raw["charset"] = (*_rank_test(ref_feats["non_ascii_rate"], cur_feats["non_ascii_rate"]),
                      "Mann-Whitney U on non-ASCII letter share")
    raw["words"] = (*permutation_mean_shift(ref_feats["hashed_words"], cur_feats["hashed_words"], permutations, seed),
                    "permutation test on hashed word frequencies")
    if "embedding" in ref_feats and "embedding" in cur_feats:
        raw["embedding"] = (*permutation_mean_shift(ref_feats["embedding"], cur_feats["embedding"], permutations,
                                                    seed + 1), "permutation test on pooled model embeddings")
    if all("prediction" in r for r in ref_rows + cur_rows):
        raw["prediction"] = (*_categorical([r["prediction"] for r in ref_rows], [r["prediction"] for r in cur_rows]),
                             "chi-square on predicted labels")
    if all(r.get("label") for r in ref_rows + cur_rows):
        raw["label"] = (*_categorical([r["label"] for r in ref_rows], [r["label"] for r in cur_rows]),
                        "chi-square on feedback labels")
    threshold = alpha / len(raw)
    checks = {name: {"statistic": round(s, 6), "p_value": p, "threshold": threshold, "drift": p < threshold,
                     "method": m} for name, (s, p, m) in raw.items()}
    min_adj = min(1.0, min(c["p_value"] for c in checks.values()) * len(raw))
    return DriftResult(any(c["drift"] for c in checks.values()), round(1 - min_adj, 6), alpha, checks,
                       len(ref_rows), len(cur_rows))
