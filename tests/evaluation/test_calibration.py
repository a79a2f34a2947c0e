import numpy as np

from longloop.evaluation.calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    softmax,
)
from longloop.evaluation.classification_metrics import accuracy_by_length, macro_f1


def test_temperature_scaling_repairs_overconfidence():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4000)
    clean = np.where(y[:, None] == np.arange(2), 1.0, -1.0) * 1.0 + rng.normal(0, 1.2, (4000, 2))
    overconfident = clean * 4
    t = fit_temperature(overconfident, y)
    assert t > 2
    assert expected_calibration_error(softmax(overconfident, t), y) < expected_calibration_error(
        softmax(overconfident), y
    )
    assert negative_log_likelihood(softmax(overconfident, t), y) < negative_log_likelihood(softmax(overconfident), y)


def test_macro_f1_and_length_slices():
    assert macro_f1(["a", "a", "b", "b"], ["a", "a", "b", "a"], ("a", "b")) == (0.8 + 2 / 3) / 2
    slices = accuracy_by_length(["a", "b", "a"], ["a", "a", "a"], [100, 600, 5000], (512, 2048))
    assert slices == {
        "0-512": {"accuracy": 1.0, "count": 1},
        "513-2048": {"accuracy": 0.0, "count": 1},
        ">2048": {"accuracy": 1.0, "count": 1},
    }
