"""Character set: the share of a document's letters outside ASCII (another script, mojibake, another language)."""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import TAIL_QUANTILE, rank_and_tail_test


class CharsetSignal(DriftSignal):
    name = "charset"
    method = (
        f"non-ASCII letter share: Mann-Whitney U (statistic: AUC) and Fisher exact above the pooled "
        f"{TAIL_QUANTILE:.0%} quantile, min p x2"
    )

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        statistic, p = rank_and_tail_test(reference.features["non_ascii_rate"], current.features["non_ascii_rate"])
        return statistic, p, {}
