"""One window of production traffic, watched: served documents -> drift check -> feedback -> retraining decision.

The main job and ``longloop replay`` share it; the demo's synthetic traffic and a user's own documents differ
only in how the window's documents were sent.
"""

from __future__ import annotations

import dataclasses

from prefect import flow

from longloop.flows.drift_check import act_on_drift_decision, drift_check
from longloop.flows.flow_results import WatchedWindow, WindowReuse
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.dataset_tasks import collect_feedback
from longloop.tasks.registry_tasks import watch_canary_rollout
from longloop.tasks.serving_tasks import (
    Deployment,
    await_served_version,
    deploy_serving,
    replay_production_file,
    stop_serving,
)
from longloop.tasks.stage_results import ProductionTraffic


def watch_window(
    params: LongloopParams,
    deployment: Deployment,
    traffic: ProductionTraffic,
    dataset_path: str | None,
    feedback_path: str | None,
) -> WatchedWindow:
    """``traffic`` is what a send task returned; the feedback of this window is the demo's own (if any) plus the
    user's labels file; with neither, a retraining merges every feedback file collected so far. A champion in its
    canary is judged on the window's traffic (and labels) before the drift check."""
    feedback_paths = [traffic.feedback_path] if traffic.feedback_path else []
    feedback = None
    if feedback_path:  # first: the drift check then joins the window's labels (label mix, quality from labels)
        feedback = collect_feedback(StatePaths.from_params(params), params.data, feedback_path, dataset_path)
        feedback_paths += [feedback.feedback_path] if feedback.feedback_path else []
    canary = watch_canary_rollout(params)
    checked = drift_check(params, since_line=traffic.log_offset)
    drift = checked.drift
    acted = act_on_drift_decision(
        params,
        checked,
        dataset_path=dataset_path,
        feedback_paths=feedback_paths if dataset_path or feedback_paths else None,
    )
    cycle = acted.cycle
    if cycle is not None and acted.outcome is not None and cycle.promoted_version is not None:
        served = await_served_version(deployment, cycle.promoted_version)
        acted = dataclasses.replace(acted, outcome=dataclasses.replace(acted.outcome, served_new_champion=served))
    return WatchedWindow(
        deployment={
            **deployment.to_dict(),
            "served_version": traffic.model_versions,
            "traffic": traffic.summary(),
        },
        reused=WindowReuse(
            drift_snapshot=drift.evidently["snapshot_id"]
            if drift is not None and drift.reused and drift.evidently
            else None,
            retraining=cycle.reuse if cycle is not None else None,
        ),
        drift=drift.summary() if drift is not None else {"drift_detected": None, "skipped": checked.reason},
        retraining=acted,
        feedback=feedback,
        canary=canary,
    )


@flow(name="longloop-production-replay")
def production_replay(params: LongloopParams, production_path: str, feedback_path: str | None = None) -> WatchedWindow:
    """A user's production file through the served champion, then the drift job and the retraining decision on
    that window (``longloop replay``)."""
    paths = StatePaths.from_params(params)
    deployment = deploy_serving(paths, paths.tracking_uri(params), params.registry.model_name, params.serving)
    try:
        traffic = replay_production_file(paths, params.data.max_text_chars, deployment, production_path)
        return watch_window(params, deployment, traffic, None, feedback_path)
    finally:
        stop_serving(deployment)
