"""Calibrated drift detection: one two-sample test per signal, Bonferroni-corrected across the enabled signals.

The signals are the list in ``monitoring.drift_signals`` (length, truncation, out-of-vocabulary rate, character
set, hashed words, embeddings, predictions, feedback labels). Each gives a p-value that is valid under
exchangeable no-drift windows (rank, exact and permutation tests: ``monitoring.two_sample_tests``), so testing
each at ``alpha / k`` for the ``k`` signals that apply holds the per-window false-alarm rate at ``alpha``
whatever the window size. ``k`` is counted from the list, so a new signal changes the correction by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from longloop.monitoring.drift_signals import SIGNALS, DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import permutations_needed


@dataclass
class DriftResult:
    drift_detected: bool
    score: float  # 1 - the smallest Bonferroni-adjusted p-value
    alpha: float
    checks: dict[str, dict]
    n_reference: int
    n_current: int

    def to_dict(self) -> dict:
        return {
            "drift_detected": self.drift_detected,
            "score": self.score,
            "alpha": self.alpha,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "checks": self.checks,
        }


def detect_drift(
    ref_feats: dict,
    cur_feats: dict,
    ref_rows: list[dict],
    cur_rows: list[dict],
    alpha: float,
    permutations: int,
    seed: int = 0,
    signals: Sequence[DriftSignal] = SIGNALS,
) -> DriftResult:
    """``permutations`` is a floor: the permutation checks draw up to ``permutations_needed(...)``."""
    reference, current = Window(ref_feats, ref_rows), Window(cur_feats, cur_rows)
    active = [s for s in signals if s.enabled(reference, current)]
    names = [s.name for s in active]
    if not active or len(set(names)) != len(names):
        raise ValueError(f"drift signals need distinct names and at least one enabled: {names}")
    ctx = SignalContext(alpha, len(active), permutations_needed(alpha, len(active), permutations), seed)
    results = {s.name: s.run(reference, current, ctx) for s in active}
    min_adj = min(1.0, min(r.p_value for r in results.values()) * len(active))
    return DriftResult(
        any(r.drift for r in results.values()),
        round(1 - min_adj, 6),
        alpha,
        {name: r.to_dict() for name, r in results.items()},
        len(ref_rows),
        len(cur_rows),
    )
