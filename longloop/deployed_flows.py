"""The flows that the deployments in prefect.yaml run on a worker.

A deployment's parameters are JSON, so each of these starts from the path of ``params.yaml`` (as the worker
sees it, relative to the project folder the pull step enters), applies the service environment exactly as
the CLI does, and holds the state-folder lock. They wait for the lock rather than fail at once: a schedule or
the drift event may fire while another run is finishing, and that run's work should not be lost.
"""

from __future__ import annotations

from prefect import flow

from longloop.environment import load_config
from longloop.flows.batch_scoring import batch_scoring, scoring_request
from longloop.flows.canary_watch import CanaryCheck, canary_watch
from longloop.flows.drift_check import drift_monitoring
from longloop.flows.flow_results import DriftMonitoringSummary, PipelineSummary, RecordedRetraining
from longloop.flows.pipeline import pipeline
from longloop.flows.retraining import retrain_and_record
from longloop.locked_run import run_locked
from longloop.serving.batch_scoring import ScoringSummary


@flow(name="longloop-pipeline-job")
def pipeline_job(
    config: str = "params.yaml", data_path: str | None = None, lock_wait_seconds: float = 3600
) -> PipelineSummary:
    """The whole loop, as ``longloop run`` runs it."""
    params = load_config(config)
    return run_locked(
        params, "pipeline deployment", lambda: pipeline(params, data_path=data_path), lock_wait_seconds, settle=False
    )


@flow(name="longloop-drift-job")
def drift_job(config: str = "params.yaml", lock_wait_seconds: float = 3600) -> DriftMonitoringSummary:
    """The next unread window of the inference log against the training reference, then the retraining decision."""
    params = load_config(config)
    return run_locked(params, "drift deployment", lambda: drift_monitoring(params), lock_wait_seconds, settle=False)


@flow(name="longloop-canary-job")
def canary_job(config: str = "params.yaml", lock_wait_seconds: float = 600) -> CanaryCheck:
    """The champion's canary judged on the evidence so far: rolled back, completed, or left running."""
    params = load_config(config)
    return run_locked(params, "canary deployment", lambda: canary_watch(params), lock_wait_seconds, settle=False)


@flow(name="longloop-retraining-job")
def retraining_job(
    config: str = "params.yaml", trigger: str = "schedule", lock_wait_seconds: float = 3600
) -> RecordedRetraining:
    """Retrain on the current dataset plus every feedback file collected so far, then the promotion gate."""
    params = load_config(config)
    return run_locked(
        params,
        f"retraining deployment ({trigger})",
        lambda: retrain_and_record(params, trigger),
        lock_wait_seconds,
        settle=False,
    )


@flow(name="longloop-scoring-job")
def scoring_job(
    data_path: str,
    out_path: str,
    config: str = "params.yaml",
    model_version: str | None = None,
    alias: str = "champion",
) -> ScoringSummary:
    """A file scored offline by one registered version (``longloop score``). It reads the registry and writes only
    its output, so it takes no state lock: it runs beside a training or the drift job."""
    params = load_config(config)
    return batch_scoring(params, scoring_request(params, data_path, out_path, model_version, alias))
