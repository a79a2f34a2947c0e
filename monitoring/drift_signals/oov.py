"""Out-of-vocabulary rate against a vocabulary that neither side's measured documents helped build.

A document's OOV rate is NaN in the features when the vocabulary was built from that very document (the part of
the reference the vocabulary comes from when no training vocabulary is given, and any window document identical
to one of them): its rate would be near zero by construction, not a measurement, so it is left out of the test.
"""

from __future__ import annotations

import numpy as np

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import TAIL_QUANTILE, rank_and_tail_test


class OovSignal(DriftSignal):
    name = "oov_rate"
    method = (
        f"OOV rate: Mann-Whitney U (statistic: AUC) and Fisher exact above the pooled {TAIL_QUANTILE:.0%} "
        "quantile, min p x2"
    )

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        ref, cur = reference.features["oov_rate"], current.features["oov_rate"]
        ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
        statistic, p = rank_and_tail_test(ref, cur)
        return statistic, p, {"reference_measured": int(len(ref)), "current_measured": int(len(cur))}
