"""Quality from delayed labels: accuracy with its interval and calibration on a window's labelled documents,
degraded only when the whole interval lies below the evaluation's accuracy by more than the margin."""

import random

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_job import run_drift_check
from longloop.monitoring.label_quality import MIN_LABELLED, wilson_interval, window_quality
from longloop.settings.params import MonitoringParams


def _rows(n: int, accuracy: float, seed: int, labelled: float = 1.0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i, r in enumerate(generate_corpus(n, seed=3, stream=seed, median_tokens=120)):
        right = rng.random() < accuracy
        row = {
            "id": f"{seed}-{i}",
            "text": r["text"],
            "n_tokens": len(r["text"].split()),
            "prediction": r["label"] if right else f"not-{r['label']}",
            "confidence": 0.9,
            "embedding": [rng.gauss(0, 1) for _ in range(4)],
        }
        if rng.random() < labelled:
            row["label"] = r["label"]
        rows.append(row)
    return rows


def test_the_wilson_interval_of_known_counts():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_a_window_whose_accuracy_fell_is_degraded_and_one_that_held_is_not():
    reference = _rows(200, 0.9, seed=1)
    fell = window_quality(reference, _rows(80, 0.5, seed=2), margin=0.05)
    assert fell is not None and fell.degraded and fell.accuracy_high < fell.reference_accuracy - 0.05
    assert fell.ece == pytest.approx(abs(0.9 - fell.accuracy), abs=1e-6)  # one confidence bin
    held = window_quality(reference, _rows(80, 0.9, seed=3), margin=0.05)
    assert held is not None and not held.degraded and held.accuracy_low <= held.accuracy <= held.accuracy_high


def test_too_few_labels_give_no_figure_and_a_small_sample_no_alarm():
    reference = _rows(200, 0.9, seed=1)
    assert window_quality(reference, _rows(MIN_LABELLED - 1, 0.0, seed=4), margin=0.05) is None
    few = window_quality(reference, _rows(MIN_LABELLED, 0.75, seed=5), margin=0.05)
    assert few is not None and not few.degraded  # 20 labels: the interval still reaches the evaluation's accuracy


def test_the_drift_check_reports_quality_beside_its_verdict():
    reference = _rows(120, 0.9, seed=1)
    current = _rows(80, 0.4, seed=6, labelled=0.6)  # labels arrived for some documents only
    result = run_drift_check(reference, current, None, 1024, MonitoringParams(permutations=200))
    q = result["quality"]
    assert q["degraded"] is True and q["n_labelled"] < 80 and "below" in q["reason"]
    assert "drift_detected" in result  # the verdict stands beside it
