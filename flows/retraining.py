"""Retraining: fold labelled production feedback into the dataset and run a full training cycle."""

from __future__ import annotations

from prefect import flow

from flows.training_cycle import training_cycle
from settings.params import LongloopParams
from tasks.dataset_tasks import merge_feedback


@flow(name="longloop-retraining")
def retraining(params: LongloopParams, dataset_path: str, feedback_path: str, trigger: str = "drift") -> dict:
    merged = merge_feedback(params, dataset_path, feedback_path)
    return training_cycle(params, merged, reason=f"retraining ({trigger})")
