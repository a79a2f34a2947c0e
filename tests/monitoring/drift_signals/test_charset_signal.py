from longloop.monitoring.drift_signals.charset import CharsetSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def test_another_script_drifts_and_ascii_windows_do_not(reference, make_window):
    sig = CharsetSignal()
    assert sig.run(reference, make_window(30, shifts=("alphabet",)), CTX).drift
    same = sig.run(reference, make_window(31), CTX)
    assert not same.drift and same.p_value == 1.0  # all-ASCII on both sides: no evidence at all
