"""The main job: the whole closed loop, from data to a drift-triggered retraining decision."""

from __future__ import annotations

import dataclasses

from prefect import flow

from longloop.flows.flow_results import DriftAction, PipelineReuse, PipelineSummary, TrainingCycle
from longloop.flows.production_window import watch_window
from longloop.flows.training_cycle import training_cycle
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.dataset_tasks import load_and_split
from longloop.tasks.serving_tasks import deploy_serving, replay_production_file, send_production_traffic, stop_serving

NO_TRAFFIC = (
    "no production traffic: pass --production FILE, or serve the champion with `longloop serve` and run "
    "`longloop monitor`"
)


def _trained_summary(cycle: TrainingCycle, reason_not_watched: str) -> PipelineSummary:
    """The summary of a cycle that trained (or reused) a model, before anything is served."""
    assert cycle.training is not None
    return PipelineSummary(
        dataset=cycle.dataset_summary(),
        governance=cycle.governance.summary(),
        blocked=False,
        reused=PipelineReuse(cycle.reused_version, cycle.snapshot.reused, with_window=True),
        training=cycle.training.summary(),
        evaluation=cycle.evaluation,
        registry=cycle.registry(),
        promotion=cycle.promotion,
        served=False,
        drift={"drift_detected": None, "skipped": reason_not_watched},
        retraining=DriftAction.not_watched(reason_not_watched),
    )


@flow(name="longloop-pipeline")
def pipeline(
    params: LongloopParams,
    data_path: str | None = None,
    production_path: str | None = None,
    feedback_path: str | None = None,
) -> PipelineSummary:
    """The demo corpus (``data_path`` None) is watched with its own shifted synthetic traffic. A user's dataset is
    watched only with their own production documents (``production_path``) and feedback labels: nothing
    synthetic ever reaches their inference log, feedback or dataset."""
    paths = StatePaths.from_params(params)
    dataset = load_and_split(paths, params.data, params.project.seed, data_path)
    cycle = training_cycle(params, dataset, reason="pipeline")
    if cycle.blocked:
        return PipelineSummary(
            dataset=cycle.dataset_summary(),
            governance=cycle.governance.summary(),
            blocked=True,
            reused=PipelineReuse(None, cycle.snapshot.reused),
        )
    assert cycle.promotion is not None
    if cycle.promotion.champion_version is None:
        return _trained_summary(cycle, f"no champion to serve ({cycle.promotion.reason})")
    if data_path and not production_path:
        return _trained_summary(cycle, NO_TRAFFIC)

    summary = _trained_summary(cycle, "")
    deployment = deploy_serving(paths, paths.tracking_uri(params), params.registry.model_name, params.serving)
    try:
        traffic = (
            replay_production_file(paths, params.data.max_text_chars, deployment, production_path)
            if production_path
            else send_production_traffic(paths, params.data, params.monitoring, deployment, batch=1)
        )
        watched = watch_window(params, deployment, traffic, dataset.path, feedback_path)
    finally:
        stop_serving(deployment)
    return dataclasses.replace(
        summary,
        reused=dataclasses.replace(
            summary.reused, drift_snapshot=watched.reused.drift_snapshot, retraining=watched.reused.retraining
        ),
        served=True,
        drift=watched.drift,
        retraining=watched.retraining,
        deployment=watched.deployment,
        feedback=watched.feedback,
        canary=watched.canary,
    )
