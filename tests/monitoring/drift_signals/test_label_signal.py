from longloop.monitoring.drift_signals import Window
from longloop.monitoring.drift_signals.label import MIN_LABELLED, LabelSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def _window(a: int, b: int, unlabelled: int = 0) -> Window:
    rows = [{"label": "a"}] * a + [{"label": "b"}] * b + [{"text": "no feedback yet"}] * unlabelled
    return Window({}, rows)


def test_enabled_once_enough_feedback_has_arrived_and_the_reference_is_labelled():
    sig = LabelSignal()
    assert sig.enabled(_window(50, 50), _window(10, 10, unlabelled=80))  # 20 labelled of 100
    assert not sig.enabled(_window(50, 50), _window(10, MIN_LABELLED - 11, unlabelled=80))
    assert not sig.enabled(_window(50, 50, unlabelled=1), _window(50, 50))


def test_only_the_labelled_documents_are_compared():
    res = LabelSignal().run(_window(100, 100), _window(5, 45, unlabelled=50), CTX)
    assert res.drift and res.extra == {"n_labelled": 50}
