"""The predicted-label mix (when every row of both sides carries a prediction)."""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import categorical_test


class PredictionSignal(DriftSignal):
    name = "prediction"
    method = "Fisher exact (2 classes) or chi-square on predicted labels"

    def enabled(self, reference: Window, current: Window) -> bool:
        return all("prediction" in r for r in reference.rows + current.rows)

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        s, p = categorical_test([r["prediction"] for r in reference.rows], [r["prediction"] for r in current.rows])
        return s, p, {}
