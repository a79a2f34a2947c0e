"""The canary watch's evidence and verdict: each side judged on its own requests since the rollout began; the
canary rolled back on failures, slowness or lost accuracy, completed once it answered enough documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from longloop.corpus.atomic_files import append_jsonl
from longloop.monitoring.canary_watch import ArmEvidence, CanaryEvidence, canary_evidence, judge_canary
from longloop.settings.params import CanaryParams

LIMITS = CanaryParams(share=0.1, min_documents=100, max_error_rate=0.02, max_latency_ratio=2.0, max_accuracy_drop=0.05)


def _arm(version, requests=50, failed=0, documents=100, ms=10.0, labelled=0, correct=0):
    return ArmEvidence(version, requests, failed, documents, ms, labelled, correct)


def _judge(canary: ArmEvidence, stable: ArmEvidence | None = None):
    return judge_canary(CanaryEvidence(canary, stable or _arm("1", requests=400, documents=800)), LIMITS)


def test_a_canary_within_every_limit_completes_once_it_answered_enough_documents():
    assert _judge(_arm("2", documents=99)).action == "continue"
    verdict = _judge(_arm("2", documents=100, failed=1, requests=60))  # 1 of 60: not surely over 2%
    assert verdict.action == "complete" and "answered 100 documents within limits" in verdict.reason


@pytest.mark.parametrize(
    ("failed", "requests", "action"), [(3, 3, "rollback"), (5, 50, "rollback"), (1, 50, "continue")]
)
def test_failures_roll_back_once_the_rate_is_surely_over_the_limit(failed, requests, action):
    verdict = _judge(_arm("2", requests=requests, failed=failed, documents=10))
    assert verdict.action == action
    if action == "rollback":
        assert f"failed {failed} of {requests} requests" in verdict.reason


def test_a_slow_canary_is_rolled_back_once_both_sides_answered_enough_requests():
    slow = _arm("2", requests=25, documents=25, ms=25.0)
    verdict = _judge(slow, _arm("1", requests=25, documents=25, ms=10.0))
    assert verdict.action == "rollback" and "2.50x" in verdict.reason
    few = _arm("1", requests=5, documents=5, ms=10.0)  # too few answered requests to compare times
    assert _judge(slow, few).action == "continue"
    assert judge_canary(CanaryEvidence(slow, few), LIMITS.model_copy(update={"max_latency_ratio": None})).action == (
        "continue"
    )


def test_a_canary_that_answers_worse_than_the_previous_champion_on_labels_is_rolled_back():
    stable = _arm("1", labelled=100, correct=90)
    worse = _judge(_arm("2", labelled=100, correct=60), stable)
    assert worse.action == "rollback" and "accuracy 0.600 on 100 labels" in worse.reason
    assert _judge(_arm("2", labelled=100, correct=84), stable).action == "complete"  # within the margin's noise
    assert _judge(_arm("2", labelled=10, correct=0), stable).action == "complete"  # too few labels to say


def test_evidence_counts_each_side_since_the_rollout_began_with_labels_joined_by_id(tmp_path):
    since = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    before, after = (since - timedelta(minutes=1)).isoformat(), (since + timedelta(minutes=1)).isoformat()
    calls, served = tmp_path / "canary.jsonl", tmp_path / "requests.jsonl"
    rows = [
        (before, "canary", "2", 1, True, 9.0),  # before the rollout: not counted
        (after, "canary", "2", 2, True, 10.0),
        (after, "canary", "2", 1, False, None),
        (after, "stable", "1", 3, True, 4.0),
        (after, "canary", "3", 5, True, 1.0),  # another version: not this rollout's
    ]
    for at, arm, version, n, ok, ms in rows:
        append_jsonl(
            calls, {"at": at, "arm": arm, "version": version, "documents": n, "ok": ok, "model_ms_per_document": ms}
        )
    for at, version, doc, prediction in [(before, "2", "a", "x"), (after, "2", "b", "x"), (after, "1", "c", "y")]:
        append_jsonl(served, {"at": at, "model_version": version, "id": doc, "prediction": prediction})
    feedback = [{"id": "a", "label": "x"}, {"id": "b", "label": "y"}, {"id": "c", "label": "y"}]

    evidence = canary_evidence(calls, served, feedback, "2", "1", since)

    assert evidence.canary == ArmEvidence("2", 2, 1, 2, 10.0, 1, 0)
    assert evidence.stable == ArmEvidence("1", 1, 0, 3, 4.0, 1, 1)
    assert evidence.latency_ratio == 2.5
