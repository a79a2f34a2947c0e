"""The retraining decision reads quality from feedback labels beside the drift verdict."""

from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl
from longloop.settings.params import RetrainingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.monitoring_tasks import decide_retraining


def test_a_window_whose_accuracy_fell_asks_for_retraining_without_drift(tmp_path: Path):
    paths = StatePaths(root=tmp_path, state=tmp_path / ".longloop")
    append_jsonl(paths.drift_history, {"drift_detected": False, "quality": None})
    calm = decide_retraining.fn(paths, RetrainingParams())
    assert not calm.retrain and calm.reason == "no drift in the latest window"
    append_jsonl(paths.drift_history, {"drift_detected": False, "quality": {"degraded": True}})
    fell = decide_retraining.fn(paths, RetrainingParams())
    assert fell.retrain and fell.reason.startswith("quality from feedback labels below the evaluation's")
    assert not decide_retraining.fn(paths, RetrainingParams(enabled=False)).retrain
