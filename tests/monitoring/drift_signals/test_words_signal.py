from longloop.monitoring.drift_signals.words import WordsSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def test_other_language_drifts_and_fresh_documents_stop_early(reference, make_window):
    sig = WordsSignal()
    shifted = sig.run(reference, make_window(40, seed=99), CTX)
    assert shifted.drift and shifted.extra["permutations"] == CTX.permutations
    same = sig.run(reference, make_window(41), CTX)
    assert not same.drift and same.extra["permutations"] < CTX.permutations  # Besag-Clifford stop
    assert sig.run(reference, make_window(41), CTX) == same  # its own seeded stream: reproducible
