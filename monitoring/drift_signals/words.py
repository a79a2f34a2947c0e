"""Word frequencies: a permutation test on the mean shift of hashed bag-of-words vectors."""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import permutation_mean_shift


class WordsSignal(DriftSignal):
    name = "words"
    method = "permutation test on hashed word frequencies (mean shift)"

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        s, p, drawn = permutation_mean_shift(
            reference.features["hashed_words"],
            current.features["hashed_words"],
            ctx.permutations,
            ctx.seed_for(self.name),
        )
        return s, p, {"permutations": drawn}
