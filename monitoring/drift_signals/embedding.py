"""The model's pooled embeddings: a permutation test on their mean shift (when both sides carry embeddings)."""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import permutation_mean_shift


class EmbeddingSignal(DriftSignal):
    name = "embedding"
    method = "permutation test on pooled model embeddings (mean shift)"

    def enabled(self, reference: Window, current: Window) -> bool:
        return "embedding" in reference.features and "embedding" in current.features

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        s, p, drawn = permutation_mean_shift(
            reference.features["embedding"], current.features["embedding"], ctx.permutations, ctx.seed_for(self.name)
        )
        return s, p, {"permutations": drawn}
