"""Point MLflow at the configured tracking store and an experiment whose artifacts stay in our state folder."""

from __future__ import annotations

from pathlib import Path

import mlflow

from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import TrackingTarget


def configure_tracking(tracking_uri: str, experiment: str, artifact_root: Path | None) -> str:
    """Returns the experiment id. ``artifact_root`` applies to a local store (a server manages its own)."""
    mlflow.set_tracking_uri(tracking_uri)
    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        location = artifact_root.resolve().as_uri() if artifact_root is not None else None
        try:
            exp_id = mlflow.create_experiment(experiment, artifact_location=location)
        except mlflow.exceptions.MlflowException:
            created = mlflow.get_experiment_by_name(experiment)  # created concurrently
            if created is None:  # not created concurrently after all: the creation's own error is the reason
                raise
            exp_id = created.experiment_id
    else:
        exp_id = exp.experiment_id
    mlflow.set_experiment(experiment_id=exp_id)
    return exp_id


def configure_tracking_target(target: TrackingTarget) -> str:
    """Point MLflow at ``target``; returns the experiment id."""
    return configure_tracking(target.uri, target.experiment, target.artifact_root)


def configure_tracking_for(params: LongloopParams) -> str:
    return configure_tracking_target(TrackingTarget.for_params(params))
