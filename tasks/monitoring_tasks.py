"""Prefect tasks for the drift job, its alert event, and the retraining decision."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.events import emit_event
from prefect.exceptions import ObjectNotFound

from longloop.corpus.atomic_files import append_jsonl, read_jsonl_complete, write_json_atomic
from longloop.monitoring.alert_webhook import post_alert
from longloop.monitoring.drift_job import run_drift_check
from longloop.monitoring.feedback_labels import labels_by_id, with_feedback_labels
from longloop.monitoring.release_figures import release_figures
from longloop.monitoring.retraining_policy import retraining_decision
from longloop.registry.shadow_evidence import shadow_log_for
from longloop.serving.canary import canary_log_for
from longloop.serving.inference_log import read_inference_log
from longloop.settings.params import MonitoringParams, RetrainingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.stage_results import (
    DriftResult,
    DriftWindow,
    RetrainingDecision,
    RetrainingLogEntry,
    RetrainingOutcome,
    RetrainingRequest,
)
from longloop.training.model import ModelSpec

DRIFT_EVENT = "longloop.drift.detected"
QUALITY_EVENT = "longloop.quality.degraded"
RETRAINING_EVENT = "longloop.retraining.requested"  # what the drift-triggered deployment in prefect.yaml expects
RETRAINING_DEPLOYMENT = "longloop-retraining-job/drift-triggered-retraining"
log = logging.getLogger("longloop.alerts")


def _model_resource(model_name: str) -> dict:
    return {"prefect.resource.id": f"longloop.model.{model_name}"}


@task(name="next-drift-window", cache_policy=NO_CACHE)
def next_drift_window(paths: StatePaths, window_size: int, since_line: int | None = None) -> DriftWindow:
    """The inference-log lines a drift check should read: from ``since_line``, or else from where the last
    scheduled check stopped (a cursor in the monitoring folder), so scheduled runs never re-read a window."""
    if since_line is None:
        since_line = json.loads(paths.drift_cursor.read_text())["line"] if paths.drift_cursor.is_file() else 0
    total = len(read_inference_log(paths.inference_log))
    new = max(0, total - since_line)
    ready = new >= window_size
    return DriftWindow(
        since_line=since_line,
        end_line=total,
        new_documents=new,
        ready=ready,
        reason=f"{new} new documents since line {since_line}" + ("" if ready else f"; a window needs {window_size}"),
    )


@task(name="advance-drift-cursor", cache_policy=NO_CACHE)
def advance_drift_cursor(paths: StatePaths, end_line: int) -> None:
    write_json_atomic(paths.drift_cursor, {"line": end_line})


@task(name="drift-job", cache_policy=NO_CACHE)
def drift_job(
    paths: StatePaths,
    monitoring: MonitoringParams,
    model_name: str,
    since_line: int = 0,
    end_line: int | None = None,
) -> DriftResult:
    """The window against the champion's reference, with the features of the champion's own spec (its context:
    what share of a window's documents it cannot read at once)."""
    context_tokens = ModelSpec.from_dict(json.loads(paths.drift_model_spec.read_text())).context_tokens
    reference = read_jsonl_complete(paths.drift_reference)
    vocabulary = json.loads(paths.drift_vocabulary.read_text())
    log_lines = read_inference_log(paths.inference_log)[:end_line]
    feedback = [row for f in paths.feedback_files() for row in read_jsonl_complete(f)]
    current = with_feedback_labels(log_lines[since_line:][-monitoring.window_size :], labels_by_id(feedback))
    requests = {r["request_id"] for r in current if isinstance(r.get("request_id"), str)}
    release = release_figures(shadow_log_for(paths.inference_log), canary_log_for(paths.inference_log), requests)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    result = DriftResult.from_record(
        run_drift_check(
            reference,
            current,
            vocabulary,
            context_tokens,
            monitoring,
            paths.evidently_workspace,
            paths.drift_report(stamp),
            release,
        )
    )
    if result.reused:  # the very window already checked: counted and alerted once, not twice
        log.info("drift window identical to the last one checked; its result is reused")
        return result
    append_jsonl(paths.drift_history, result.record)
    if result.quality_degraded:
        assert result.quality is not None
        log.warning("ALERT quality below the evaluation's: %s", result.quality["reason"])
        emit_event(event=QUALITY_EVENT, resource=_model_resource(model_name), payload=result.quality)
        if monitoring.alert_webhook_url:
            delivered, detail = post_alert(
                monitoring.alert_webhook_url,
                {"event": QUALITY_EVENT, "model": model_name, "at": result.at, **result.quality},
            )
            (log.info if delivered else log.warning)("quality alert webhook: %s", detail)
    if result.drift_detected:
        drifting = result.drifting_signals
        log.warning("ALERT drift detected in %s (score %.4f)", ", ".join(drifting), result.score)
        emit_event(
            event=DRIFT_EVENT,
            resource=_model_resource(model_name),
            payload={"score": result.score, "signals": drifting},
        )
        if monitoring.alert_webhook_url:
            delivered, detail = post_alert(
                monitoring.alert_webhook_url,
                {
                    "event": DRIFT_EVENT,
                    "model": model_name,
                    "at": result.at,
                    "score": result.score,
                    "signals": drifting,
                    "n_current": result.n_current,
                },
            )
            (log.info if delivered else log.warning)("drift alert webhook: %s", detail)
    return result


@task(name="retraining-route", cache_policy=NO_CACHE)
def retraining_route(retraining: RetrainingParams, prefect_api_url: str | None) -> str:
    """``inline`` or ``event`` (see ``retraining.trigger``): ``auto`` asks the configured Prefect server whether the
    drift-triggered deployment exists, since an event that no trigger listens for would retrain nothing."""
    if retraining.trigger != "auto":
        return retraining.trigger
    if not prefect_api_url:
        return "inline"
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(RETRAINING_DEPLOYMENT)
        except ObjectNotFound:
            return "inline"
    return "event"


@task(name="request-retraining", cache_policy=NO_CACHE)
def request_retraining(model_name: str, decision: RetrainingDecision) -> RetrainingRequest:
    """Emit the event the drift-triggered retraining deployment waits for (``retraining.trigger: event``)."""
    event = emit_event(
        event=RETRAINING_EVENT, resource=_model_resource(model_name), payload={"reason": decision.reason}
    )
    log.warning("retraining requested through the event %s: %s", RETRAINING_EVENT, decision.reason)
    return RetrainingRequest(RETRAINING_EVENT, str(event.id) if event else None)


@task(name="retraining-decision", cache_policy=NO_CACHE)
def decide_retraining(paths: StatePaths, rt: RetrainingParams) -> RetrainingDecision:
    """A window calls for retraining when its inputs drifted or its accuracy on feedback labels fell below the
    evaluation's (beside the drift verdict, not instead of it); confirmation and cooldown apply to both."""
    windows = read_jsonl_complete(paths.drift_history)
    degraded = [bool((h.get("quality") or {}).get("degraded")) for h in windows]
    history = [bool(h["drift_detected"]) or bad for h, bad in zip(windows, degraded, strict=True)]
    started = [r for r in read_jsonl_complete(paths.retraining_log) if r.get("started")]
    last = datetime.fromisoformat(started[-1]["at"]) if started else None
    go, reason = retraining_decision(
        history, last, datetime.now(UTC), rt.confirm_windows, rt.cooldown_minutes, rt.enabled
    )
    if degraded and degraded[-1]:
        reason = f"quality from feedback labels below the evaluation's; {reason}"
    return RetrainingDecision(go, reason)


@task(name="record-retraining", cache_policy=NO_CACHE)
def record_retraining(
    paths: StatePaths, decision: RetrainingDecision, outcome: RetrainingOutcome | None
) -> RetrainingLogEntry:
    """``outcome`` is None when no retraining started."""
    entry = RetrainingLogEntry(
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        started=decision.retrain,
        reason=decision.reason,
        outcome=outcome.to_dict() if outcome is not None else None,
    )
    append_jsonl(paths.retraining_log, entry.to_dict())
    return entry
