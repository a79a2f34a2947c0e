"""The flows that the deployments in prefect.yaml run on a worker.

A deployment's parameters are JSON, so each of these starts from the path of ``params.yaml`` (as the worker
sees it, relative to the project folder the pull step enters), applies the service environment exactly as
the CLI does, and holds the state-folder lock. They wait for the lock rather than fail at once: a schedule or
the drift event may fire while another run is finishing, and that run's work should not be lost.
"""

from __future__ import annotations

from prefect import flow

from longloop.environment import load_config
from longloop.flows.drift_check import drift_monitoring
from longloop.flows.pipeline import pipeline
from longloop.flows.retraining import retrain_and_record
from longloop.settings.state_paths import StatePaths
from longloop.state_lock import state_lock


def _locked(config: str, wait_seconds: float, command: str):
    params = load_config(config)
    return params, state_lock(StatePaths.from_params(params).state, wait_seconds, command)


@flow(name="longloop-pipeline-job")
def pipeline_job(config: str = "params.yaml", data_path: str | None = None, lock_wait_seconds: float = 3600) -> dict:
    """The whole loop, as ``longloop run`` runs it."""
    params, lock = _locked(config, lock_wait_seconds, "pipeline deployment")
    with lock:
        return pipeline(params, data_path=data_path)


@flow(name="longloop-drift-job")
def drift_job(config: str = "params.yaml", lock_wait_seconds: float = 3600) -> dict:
    """The next unread window of the inference log against the training reference, then the retraining decision."""
    params, lock = _locked(config, lock_wait_seconds, "drift deployment")
    with lock:
        return drift_monitoring(params)


@flow(name="longloop-retraining-job")
def retraining_job(config: str = "params.yaml", trigger: str = "schedule", lock_wait_seconds: float = 3600) -> dict:
    """Retrain on the current dataset plus every feedback file collected so far, then the promotion gate."""
    params, lock = _locked(config, lock_wait_seconds, f"retraining deployment ({trigger})")
    with lock:
        return retrain_and_record(params, trigger)
