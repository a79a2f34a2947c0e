import numpy as np
import pytest

from longloop.monitoring.drift_signals import Window
from longloop.monitoring.drift_signals.truncation import TruncationSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def _window(truncated: int, n: int) -> Window:
    return Window({"truncated": np.r_[np.ones(truncated), np.zeros(n - truncated)]}, [{}] * n)


def test_a_jump_in_the_share_over_the_context_drifts():
    sig = TruncationSignal()
    res = sig.run(_window(10, 200), _window(40, 100), CTX)  # 5% -> 40% of the documents truncated
    assert res.drift and res.statistic == pytest.approx(0.35)
    assert not sig.run(_window(10, 200), _window(6, 100), CTX).drift  # 5% -> 6%: chance
    assert sig.run(_window(0, 50), _window(0, 50), CTX).p_value == 1.0
