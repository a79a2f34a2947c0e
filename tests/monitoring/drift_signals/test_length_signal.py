from longloop.monitoring.drift_signals.length import LengthSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def test_longer_documents_drift_and_fresh_ones_do_not(reference, make_window):
    sig = LengthSignal()
    assert sig.enabled(reference, make_window(20))
    shifted = sig.run(reference, make_window(21, shifts=("longer",)), CTX)
    assert shifted.drift and shifted.statistic > 0.4 and shifted.threshold == CTX.threshold
    assert not sig.run(reference, make_window(22), CTX).drift
