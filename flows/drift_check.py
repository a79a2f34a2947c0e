"""The drift job as a flow of its own, so it can run on a schedule against the inference log."""

from __future__ import annotations

from prefect import flow

from longloop.flows.flow_results import DriftAction, DriftCheck, DriftMonitoringSummary
from longloop.flows.retraining import retraining
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.monitoring_tasks import (
    advance_drift_cursor,
    decide_retraining,
    drift_job,
    next_drift_window,
    record_retraining,
    request_retraining,
    retraining_route,
)
from longloop.tasks.stage_results import RetrainingDecision, RetrainingOutcome


@flow(name="longloop-drift-check")
def drift_check(params: LongloopParams, since_line: int | None = None) -> DriftCheck:
    """Check the newest window of the inference log (from ``since_line``, or else from where the last scheduled
    check stopped) and decide on retraining. Routed to ``event`` (see ``retraining.trigger``), a positive decision
    is emitted as a Prefect event for the drift-triggered deployment; ``inline``, the caller runs retraining."""
    paths = StatePaths.from_params(params)
    window = next_drift_window(paths, params.monitoring.window_size, since_line)
    if not window.ready:
        return DriftCheck(skipped=True, reason=window.reason, decision=RetrainingDecision(False, window.reason))
    name = params.registry.model_name
    drift = drift_job(paths, params.monitoring, name, window.since_line, window.end_line)
    advance_drift_cursor(paths, window.end_line)
    decision = decide_retraining(paths, params.retraining)
    route = retraining_route(params.retraining, params.services.prefect_api_url)
    requested = request_retraining(name, decision) if decision.retrain and route == "event" else None
    return DriftCheck(False, window.reason, decision, drift, route, requested)


def act_on_drift_decision(
    params: LongloopParams,
    checked: DriftCheck,
    dataset_path: str | None = None,
    feedback_paths: list[str] | None = None,
) -> DriftAction:
    """Retrain inline (or note the event that asks the deployment to), and record the decision and outcome."""
    decision = checked.decision
    cycle, outcome = None, None
    if decision.retrain and checked.route == "inline":
        cycle = retraining(params, dataset_path, feedback_paths)
        outcome = cycle.retraining_outcome()
    elif checked.requested:
        outcome = RetrainingOutcome(requested=checked.requested)  # the drift-triggered deployment takes it from here
    entry = record_retraining(StatePaths.from_params(params), decision, outcome)
    return DriftAction(decision.retrain, decision.reason, outcome, checked.route, entry.at, cycle)


@flow(name="longloop-drift-monitoring")
def drift_monitoring(params: LongloopParams) -> DriftMonitoringSummary:
    """The scheduled drift job: the next unread window of the inference log, then the retraining decision."""
    checked = drift_check(params)
    if checked.skipped or checked.drift is None:
        return DriftMonitoringSummary(skipped=True, reason=checked.reason)
    acted = act_on_drift_decision(params, checked)
    return DriftMonitoringSummary(
        skipped=False,
        drift=checked.drift.summary(("drift_detected", "score", "n_current", "quality")),
        retraining=acted,
    )
