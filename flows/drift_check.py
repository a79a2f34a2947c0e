"""The drift job as a flow of its own, so it can run on a schedule against the inference log."""

from __future__ import annotations

from prefect import flow

from settings.params import LongloopParams
from tasks.monitoring_tasks import decide_retraining, drift_job


@flow(name="longloop-drift-check")
def drift_check(params: LongloopParams, since_line: int = 0) -> dict:
    drift = drift_job(params, since_line)
    decision = decide_retraining(params)
    return {"drift": drift, "decision": decision}
