"""The drift job as a flow of its own, so it can run on a schedule against the inference log."""

from __future__ import annotations

from prefect import flow

from longloop.flows.retraining import retraining, retraining_outcome
from longloop.settings.params import LongloopParams
from longloop.tasks.monitoring_tasks import (
    advance_drift_cursor,
    decide_retraining,
    drift_job,
    next_drift_window,
    record_retraining,
    request_retraining,
    retraining_route,
)


@flow(name="longloop-drift-check")
def drift_check(params: LongloopParams, since_line: int | None = None) -> dict:
    """Check the newest window of the inference log (from ``since_line``, or else from where the last scheduled
    check stopped) and decide on retraining. Routed to ``event`` (see ``retraining.trigger``), a positive decision
    is emitted as a Prefect event for the drift-triggered deployment; ``inline``, the caller runs retraining."""
    window = next_drift_window(params, since_line)
    if not window["ready"]:
        return {
            "skipped": True,
            "reason": window["reason"],
            "drift": None,
            "route": None,
            "decision": {"retrain": False, "reason": window["reason"]},
            "requested": None,
        }
    drift = drift_job(params, window["since_line"], window["end_line"])
    advance_drift_cursor(params, window["end_line"])
    decision = decide_retraining(params)
    route = retraining_route(params)
    requested = request_retraining(params, decision) if decision["retrain"] and route == "event" else None
    return {
        "skipped": False,
        "reason": window["reason"],
        "drift": drift,
        "decision": decision,
        "route": route,
        "requested": requested,
    }


def act_on_drift_decision(
    params: LongloopParams, checked: dict, dataset_path: str | None = None, feedback_paths: list[str] | None = None
) -> dict:
    """Retrain inline (or note the event that asks the deployment to), and record the decision and outcome."""
    decision = checked["decision"]
    cycle, outcome = None, None
    if decision["retrain"] and checked["route"] == "inline":
        cycle = retraining(params, dataset_path, feedback_paths)
        outcome = retraining_outcome(cycle)
    elif checked["requested"]:
        outcome = {"requested": checked["requested"]}  # the drift-triggered deployment takes it from here
    entry = record_retraining(params, decision, outcome)
    return {
        "triggered": decision["retrain"],
        "reason": decision["reason"],
        "outcome": outcome,
        "route": checked["route"],
        "recorded_at": entry["at"],
        "cycle": cycle,
    }


@flow(name="longloop-drift-monitoring")
def drift_monitoring(params: LongloopParams) -> dict:
    """The scheduled drift job: the next unread window of the inference log, then the retraining decision."""
    checked = drift_check(params)
    if checked["skipped"]:
        return {"skipped": True, "reason": checked["reason"]}
    acted = act_on_drift_decision(params, checked)
    acted.pop("cycle")
    return {
        "skipped": False,
        "drift": {k: checked["drift"][k] for k in ("drift_detected", "score", "n_current")},
        "retraining": acted,
    }
