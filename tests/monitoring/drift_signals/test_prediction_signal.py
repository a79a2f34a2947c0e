from longloop.monitoring.drift_signals import Window
from longloop.monitoring.drift_signals.prediction import PredictionSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def _window(a: int, b: int, with_prediction: bool = True) -> Window:
    rows = [{"prediction": "a"}] * a + [{"prediction": "b"}] * b
    return Window({}, rows if with_prediction else [{}] * (a + b))


def test_enabled_only_when_every_row_carries_a_prediction():
    sig = PredictionSignal()
    assert sig.enabled(_window(50, 50), _window(20, 20))
    assert not sig.enabled(_window(50, 50), _window(20, 20, with_prediction=False))
    assert not sig.enabled(_window(50, 50), Window({}, [{"prediction": "a"}, {}]))


def test_a_shift_of_the_predicted_mix_drifts():
    sig = PredictionSignal()
    assert sig.run(_window(100, 100), _window(10, 90), CTX).drift
    assert not sig.run(_window(100, 100), _window(48, 52), CTX).drift
