"""The flows' typed results keep the JSON shape of ``longloop run --json`` and ``longloop replay --json``."""

from longloop.flows.flow_results import (
    CycleReuse,
    DriftAction,
    PipelineReuse,
    PipelineSummary,
    WatchedWindow,
    WindowReuse,
)
from longloop.tasks.stage_results import FeedbackCollection


def test_a_blocked_run_reports_the_dataset_the_gate_and_what_was_reused_only():
    blocked = PipelineSummary(
        dataset={"dvc_md5": "m"}, governance={"verdict": "block"}, blocked=True, reused=PipelineReuse(None, True)
    )
    assert blocked.to_dict() == {
        "dataset": {"dvc_md5": "m"},
        "governance": {"verdict": "block"},
        "blocked": True,
        "reused": {"model_version": None, "dvc": True},
    }
    assert not blocked.has_champion


def test_a_trained_run_reports_the_window_reuse_even_when_nothing_was_reused():
    reuse = PipelineReuse("2", False, with_window=True)
    assert reuse.to_dict() == {"model_version": "2", "dvc": False, "drift_snapshot": None, "retraining": None}
    reuse = PipelineReuse("2", False, "snap", CycleReuse("3", True), with_window=True)
    assert reuse.to_dict()["retraining"] == {"model_version": "3", "dvc": True}
    assert DriftAction.not_watched("why").to_dict() == {
        "triggered": False,
        "reason": "why",
        "outcome": None,
        "route": None,
        "recorded_at": None,
    }


def test_a_watched_window_lists_its_feedback_before_the_retraining_and_never_the_cycle():
    window = WatchedWindow(
        deployment={"url": "http://127.0.0.1:1"},
        reused=WindowReuse(None, None),
        drift={"drift_detected": False},
        retraining=DriftAction(False, "no drift", None, "inline", "2026-12-05T10:00:00+00:00"),
        feedback=FeedbackCollection("/f.jsonl", 3, 0, 1),
    )
    out = window.to_dict()
    assert list(out) == ["deployment", "reused", "drift", "feedback", "retraining"]
    assert "cycle" not in out["retraining"]
    assert "feedback" not in WatchedWindow(window.deployment, window.reused, window.drift, window.retraining).to_dict()
