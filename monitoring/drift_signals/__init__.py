"""The drift signals, one module each, and the registry the detector runs.

Adding a signal: a module here with a ``DriftSignal`` subclass (a name, ``enabled`` if it does not always
apply, and a ``test`` whose p-value is valid under exchangeable no-drift windows), one line in ``SIGNALS``, and
its test under ``tests/monitoring/drift_signals/``. The Bonferroni threshold and the permutation budget follow
from the number of enabled signals; nothing else changes.
"""

from __future__ import annotations

from longloop.monitoring.drift_signals.base import DriftSignal, SignalContext, SignalResult, Window
from longloop.monitoring.drift_signals.charset import CharsetSignal
from longloop.monitoring.drift_signals.embedding import EmbeddingSignal
from longloop.monitoring.drift_signals.label import LabelSignal
from longloop.monitoring.drift_signals.length import LengthSignal
from longloop.monitoring.drift_signals.oov import OovSignal
from longloop.monitoring.drift_signals.prediction import PredictionSignal
from longloop.monitoring.drift_signals.truncation import TruncationSignal
from longloop.monitoring.drift_signals.words import WordsSignal

# In the order the result lists them.
SIGNALS: tuple[DriftSignal, ...] = (
    LengthSignal(),
    TruncationSignal(),
    OovSignal(),
    CharsetSignal(),
    WordsSignal(),
    EmbeddingSignal(),
    PredictionSignal(),
    LabelSignal(),
)

__all__ = ["SIGNALS", "DriftSignal", "SignalContext", "SignalResult", "Window"]
