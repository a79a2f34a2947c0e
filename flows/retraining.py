"""Retraining: fold labelled production feedback into the dataset and run a full training cycle."""

from __future__ import annotations

from prefect import flow

from longloop.flows.training_cycle import training_cycle
from longloop.settings.params import LongloopParams
from longloop.tasks.dataset_tasks import merge_feedback
from longloop.tasks.monitoring_tasks import record_retraining


@flow(name="longloop-retraining")
def retraining(
    params: LongloopParams,
    dataset_path: str | None = None,
    feedback_paths: list[str] | None = None,
    trigger: str = "drift",
) -> dict:
    """Without paths: the state folder's dataset and all feedback collected so far (see merge_feedback)."""
    merged = merge_feedback(params, dataset_path, feedback_paths)
    return training_cycle(params, merged, reason=f"retraining ({trigger})")


def retraining_outcome(cycle: dict) -> dict:
    """What the retraining log and ``longloop status`` keep of a retraining cycle."""
    d = cycle["dataset"]
    outcome = {
        "blocked": cycle["blocked"],
        "governance_verdict": cycle["governance"]["verdict"],
        "dataset": {"dvc_md5": d["dvc"]["md5"], "counts": d["counts"], "added": d.get("added", 0)},
    }
    if not cycle["blocked"]:
        outcome.update(registry=cycle["registry"], promotion=cycle["promotion"], evaluation=cycle["evaluation"])
    return outcome


def retrain_and_record(params: LongloopParams, trigger: str) -> dict:
    """A retraining a schedule or the drift event started: run it, then record it as the drift job records its own."""
    outcome = retraining_outcome(retraining(params, trigger=trigger))
    entry = record_retraining(params, {"retrain": True, "reason": f"started by {trigger}"}, outcome)
    return {"triggered": True, "reason": entry["reason"], "outcome": outcome, "recorded_at": entry["at"]}
