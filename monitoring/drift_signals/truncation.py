"""Truncation: Fisher's exact test on the share of documents longer than the model's context."""

from __future__ import annotations

from scipy import stats

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window


class TruncationSignal(DriftSignal):
    name = "truncation_rate"
    method = "Fisher exact on share over the context"

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        t_ref, t_cur = reference.features["truncated"], current.features["truncated"]
        table = [[int(t_ref.sum()), int(len(t_ref) - t_ref.sum())], [int(t_cur.sum()), int(len(t_cur) - t_cur.sum())]]
        _, p = stats.fisher_exact(table)
        return float(t_cur.mean() - t_ref.mean()), float(p), {}
