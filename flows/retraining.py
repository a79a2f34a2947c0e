"""Retraining: fold labelled production feedback into the dataset and run a full training cycle."""

from __future__ import annotations

from prefect import flow

from longloop.flows.flow_results import RecordedRetraining, TrainingCycle
from longloop.flows.training_cycle import training_cycle
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.dataset_tasks import merge_feedback
from longloop.tasks.monitoring_tasks import record_retraining
from longloop.tasks.stage_results import RetrainingDecision


@flow(name="longloop-retraining")
def retraining(
    params: LongloopParams,
    dataset_path: str | None = None,
    feedback_paths: list[str] | None = None,
    trigger: str = "drift",
) -> TrainingCycle:
    """Without paths: the state folder's dataset and all feedback collected so far (see merge_feedback)."""
    paths = StatePaths.from_params(params)
    merged = merge_feedback(paths, params.data.split, params.project.seed, dataset_path, feedback_paths)
    return training_cycle(params, merged, reason=f"retraining ({trigger})")


def retrain_and_record(params: LongloopParams, trigger: str) -> RecordedRetraining:
    """A retraining a schedule or the drift event started: run it, then record it as the drift job records its own."""
    outcome = retraining(params, trigger=trigger).retraining_outcome()
    decision = RetrainingDecision(True, f"started by {trigger}")
    entry = record_retraining(StatePaths.from_params(params), decision, outcome)
    return RecordedRetraining(True, entry.reason, outcome, entry.at)
