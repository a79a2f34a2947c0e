"""Prefect tasks for the drift job, its alert event, and the retraining decision."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from corpus.atomic_files import append_jsonl, read_jsonl_complete
from monitoring.drift_job import run_drift_check
from monitoring.retraining_policy import retraining_decision
from serving.inference_log import read_inference_log
from settings.params import LongloopParams
from settings.state_paths import StatePaths

DRIFT_EVENT = "longloop.drift.detected"
log = logging.getLogger("longloop.alerts")


@task(name="drift-job", cache_policy=NO_CACHE)
def drift_job(params: LongloopParams, since_line: int = 0) -> dict:
    paths = StatePaths.from_params(params)
    reference = read_jsonl_complete(paths.monitoring_dir / "reference.jsonl")
    vocabulary = json.loads((paths.monitoring_dir / "vocabulary.json").read_text())
    current = read_inference_log(paths.inference_log, since_line)[-params.monitoring.window_size:]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    result = run_drift_check(reference, current, vocabulary, params.model.context_tokens, params.monitoring,
                             paths.evidently_workspace, paths.monitoring_dir / "reports" / f"drift-{stamp}.html")
    append_jsonl(paths.monitoring_dir / "drift-history.jsonl", result)
    if result["drift_detected"]:
        drifting = [n for n, c in result["checks"].items() if c["drift"]]
        log.warning("ALERT drift detected in %s (score %.4f)", ", ".join(drifting), result["score"])
        emit_event(event=DRIFT_EVENT, resource={"prefect.resource.id": f"longloop.model.{params.registry.model_name}"},
                   payload={"score": result["score"], "signals": drifting})
    return result


@task(name="retraining-decision", cache_policy=NO_CACHE)
def decide_retraining(params: LongloopParams) -> dict:
    paths = StatePaths.from_params(params)
    history = [h["drift_detected"] for h in read_jsonl_complete(paths.monitoring_dir / "drift-history.jsonl")]
    started = [r for r in read_jsonl_complete(paths.retraining_log) if r.get("started")]
    last = datetime.fromisoformat(started[-1]["at"]) if started else None
    rt = params.retraining
    go, reason = retraining_decision(history, last, datetime.now(timezone.utc), rt.confirm_windows,
                                     rt.cooldown_minutes, rt.enabled)
    return {"retrain": go, "reason": reason}


@task(name="record-retraining", cache_policy=NO_CACHE)
def record_retraining(params: LongloopParams, decision: dict, outcome: dict | None) -> dict:
    entry = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "started": decision["retrain"],
             "reason": decision["reason"], "outcome": outcome}
    append_jsonl(StatePaths.from_params(params).retraining_log, entry)
    return entry
