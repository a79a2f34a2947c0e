"""Document length: Kolmogorov-Smirnov on log token counts (a rank test: exact under exchangeability)."""

from __future__ import annotations

from scipy import stats

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window


class LengthSignal(DriftSignal):
    name = "length"
    method = "Kolmogorov-Smirnov on log token count"

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        ks = stats.ks_2samp(reference.features["log_tokens"], current.features["log_tokens"])
        return float(ks.statistic), float(ks.pvalue), {}
