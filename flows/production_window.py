"""One window of production traffic, watched: served documents -> drift check -> feedback -> retraining decision.

The main job and ``longloop replay`` share it; the demo's synthetic traffic and a user's own documents differ
only in how the window's documents were sent.
"""

from __future__ import annotations

from prefect import flow

from longloop.flows.drift_check import act_on_drift_decision, drift_check
from longloop.settings.params import LongloopParams
from longloop.tasks.dataset_tasks import collect_feedback
from longloop.tasks.serving_tasks import (
    Deployment,
    await_served_version,
    deploy_serving,
    replay_production_file,
    stop_serving,
)


def watch_window(
    params: LongloopParams, deployment: Deployment, traffic: dict, dataset_path: str | None, feedback_path: str | None
) -> dict:
    """``traffic`` is what a send task returned; the feedback of this window is the demo's own (if any) plus the
    user's labels file; with neither, a retraining merges every feedback file collected so far."""
    out: dict = {
        "deployment": {
            **deployment.to_dict(),
            "served_version": traffic["model_versions"],
            "traffic": {k: traffic[k] for k in ("documents", "requests", "ok", "failed", "shifts")},
        },
        "reused": {"drift_snapshot": None, "retraining": None},
    }
    checked = drift_check(params, since_line=traffic["log_offset"])
    out["drift"] = (
        {
            k: checked["drift"][k]
            for k in ("drift_detected", "score", "alpha", "n_reference", "n_current", "checks", "evidently", "reused")
        }
        if checked["drift"]
        else {"drift_detected": None, "skipped": checked["reason"]}
    )
    if checked["drift"] and checked["drift"]["reused"]:
        out["reused"]["drift_snapshot"] = checked["drift"]["evidently"]["snapshot_id"]
    feedback_paths = [traffic["feedback_path"]] if traffic["feedback_path"] else []
    if feedback_path:
        out["feedback"] = collect_feedback(params, feedback_path, dataset_path)
        feedback_paths += [out["feedback"]["feedback_path"]] if out["feedback"]["feedback_path"] else []
    acted = act_on_drift_decision(
        params,
        checked,
        dataset_path=dataset_path,
        feedback_paths=feedback_paths if dataset_path or feedback_paths else None,
    )
    cycle = acted.pop("cycle")
    out["reused"]["retraining"] = cycle["reused"] if cycle else None
    if cycle and not cycle["blocked"] and cycle["promotion"]["promoted"]:
        acted["outcome"]["served_new_champion"] = await_served_version(
            deployment, cycle["promotion"]["champion_version"]
        )
    out["retraining"] = acted
    return out


@flow(name="longloop-production-replay")
def production_replay(params: LongloopParams, production_path: str, feedback_path: str | None = None) -> dict:
    """A user's production file through the served champion, then the drift job and the retraining decision on
    that window (``longloop replay``)."""
    deployment = deploy_serving(params)
    try:
        traffic = replay_production_file(params, deployment, production_path)
        return watch_window(params, deployment, traffic, None, feedback_path)
    finally:
        stop_serving(deployment)
