"""The feedback-label mix. Labels arrive late and for some documents only: the window's labelled documents are
compared with the (fully labelled) reference, once there are enough of them to be worth a test."""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, Window
from longloop.monitoring.two_sample_tests import categorical_test

MIN_LABELLED = 20  # fewer feedback labels than this in a window: no label check (too little power to be worth a test)


def _labels(window: Window) -> list:
    return [r["label"] for r in window.rows if r.get("label")]


class LabelSignal(DriftSignal):
    name = "label"
    method = "Fisher exact (2 classes) or chi-square on feedback labels"

    def enabled(self, reference: Window, current: Window) -> bool:
        return len(_labels(reference)) == len(reference) and len(_labels(current)) >= MIN_LABELLED

    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        cur = _labels(current)
        s, p = categorical_test(_labels(reference), cur)
        return s, p, {"n_labelled": len(cur)}
