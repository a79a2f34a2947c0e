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
from longloop.monitoring.retraining_policy import retraining_decision
from longloop.serving.inference_log import read_inference_log
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths

DRIFT_EVENT = "longloop.drift.detected"
RETRAINING_EVENT = "longloop.retraining.requested"  # what the drift-triggered deployment in prefect.yaml expects
RETRAINING_DEPLOYMENT = "longloop-retraining-job/drift-triggered-retraining"
log = logging.getLogger("longloop.alerts")


def _model_resource(params: LongloopParams) -> dict:
    return {"prefect.resource.id": f"longloop.model.{params.registry.model_name}"}


@task(name="next-drift-window", cache_policy=NO_CACHE)
def next_drift_window(params: LongloopParams, since_line: int | None = None) -> dict:
    """The inference-log lines a drift check should read: from ``since_line``, or else from where the last
    scheduled check stopped (a cursor in the monitoring folder), so scheduled runs never re-read a window."""
    paths = StatePaths.from_params(params)
    cursor_path = paths.monitoring_dir / "drift-cursor.json"
    if since_line is None:
        since_line = json.loads(cursor_path.read_text())["line"] if cursor_path.is_file() else 0
    total = len(read_inference_log(paths.inference_log))
    new, needed = max(0, total - since_line), params.monitoring.window_size
    ready = new >= needed
    return {
        "since_line": since_line,
        "end_line": total,
        "new_documents": new,
        "ready": ready,
        "reason": f"{new} new documents since line {since_line}" + ("" if ready else f"; a window needs {needed}"),
    }


@task(name="advance-drift-cursor", cache_policy=NO_CACHE)
def advance_drift_cursor(params: LongloopParams, end_line: int) -> None:
    write_json_atomic(StatePaths.from_params(params).monitoring_dir / "drift-cursor.json", {"line": end_line})


@task(name="drift-job", cache_policy=NO_CACHE)
def drift_job(params: LongloopParams, since_line: int = 0, end_line: int | None = None) -> dict:
    paths = StatePaths.from_params(params)
    reference = read_jsonl_complete(paths.monitoring_dir / "reference.jsonl")
    vocabulary = json.loads((paths.monitoring_dir / "vocabulary.json").read_text())
    log_lines = read_inference_log(paths.inference_log)[:end_line]
    feedback = [row for f in sorted(paths.data_dir.glob("feedback-*.jsonl")) for row in read_jsonl_complete(f)]
    current = with_feedback_labels(log_lines[since_line:][-params.monitoring.window_size :], labels_by_id(feedback))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    result = run_drift_check(
        reference,
        current,
        vocabulary,
        params.model.context_tokens,
        params.monitoring,
        paths.evidently_workspace,
        paths.monitoring_dir / "reports" / f"drift-{stamp}.html",
    )
    if result.get("reused"):  # the very window already checked: counted and alerted once, not twice
        log.info("drift window identical to the last one checked; its result is reused")
        return result
    append_jsonl(paths.monitoring_dir / "drift-history.jsonl", result)
    if result["drift_detected"]:
        drifting = [n for n, c in result["checks"].items() if c["drift"]]
        log.warning("ALERT drift detected in %s (score %.4f)", ", ".join(drifting), result["score"])
        emit_event(
            event=DRIFT_EVENT, resource=_model_resource(params), payload={"score": result["score"], "signals": drifting}
        )
        if params.monitoring.alert_webhook_url:
            delivered, detail = post_alert(
                params.monitoring.alert_webhook_url,
                {
                    "event": DRIFT_EVENT,
                    "model": params.registry.model_name,
                    "at": result.get("at"),
                    "score": result["score"],
                    "signals": drifting,
                    "n_current": result.get("n_current"),
                },
            )
            (log.info if delivered else log.warning)("drift alert webhook: %s", detail)
    return result


@task(name="retraining-route", cache_policy=NO_CACHE)
def retraining_route(params: LongloopParams) -> str:
    """``inline`` or ``event`` (see ``retraining.trigger``): ``auto`` asks the configured Prefect server whether the
    drift-triggered deployment exists, since an event that no trigger listens for would retrain nothing."""
    if params.retraining.trigger != "auto":
        return params.retraining.trigger
    if not params.services.prefect_api_url:
        return "inline"
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(RETRAINING_DEPLOYMENT)
        except ObjectNotFound:
            return "inline"
    return "event"


@task(name="request-retraining", cache_policy=NO_CACHE)
def request_retraining(params: LongloopParams, decision: dict) -> dict:
    """Emit the event the drift-triggered retraining deployment waits for (``retraining.trigger: event``)."""
    event = emit_event(event=RETRAINING_EVENT, resource=_model_resource(params), payload={"reason": decision["reason"]})
    log.warning("retraining requested through the event %s: %s", RETRAINING_EVENT, decision["reason"])
    return {"event": RETRAINING_EVENT, "event_id": str(event.id) if event else None}


@task(name="retraining-decision", cache_policy=NO_CACHE)
def decide_retraining(params: LongloopParams) -> dict:
    paths = StatePaths.from_params(params)
    history = [h["drift_detected"] for h in read_jsonl_complete(paths.monitoring_dir / "drift-history.jsonl")]
    started = [r for r in read_jsonl_complete(paths.retraining_log) if r.get("started")]
    last = datetime.fromisoformat(started[-1]["at"]) if started else None
    rt = params.retraining
    go, reason = retraining_decision(
        history, last, datetime.now(UTC), rt.confirm_windows, rt.cooldown_minutes, rt.enabled
    )
    return {"retrain": go, "reason": reason}


@task(name="record-retraining", cache_policy=NO_CACHE)
def record_retraining(params: LongloopParams, decision: dict, outcome: dict | None) -> dict:
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "started": decision["retrain"],
        "reason": decision["reason"],
        "outcome": outcome,
    }
    append_jsonl(StatePaths.from_params(params).retraining_log, entry)
    return entry
