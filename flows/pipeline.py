"""The main job: the whole closed loop, from data to a drift-triggered retraining decision."""

from __future__ import annotations

from prefect import flow

from longloop.flows.production_window import watch_window
from longloop.flows.training_cycle import training_cycle
from longloop.settings.params import LongloopParams
from longloop.tasks.dataset_tasks import load_and_split
from longloop.tasks.serving_tasks import deploy_serving, replay_production_file, send_production_traffic, stop_serving


def _summary(cycle: dict) -> dict:
    d = cycle["dataset"]
    return {
        "dataset": {
            "dvc_md5": d["dvc"]["md5"],
            "dvc_pushed": d["dvc"]["pushed"],
            "path": d["path"],
            "source": d["source"],
            "counts": d["counts"],
            "quarantined": d.get("quarantined", 0),
        },
        "governance": {k: cycle["governance"][k] for k in ("verdict", "reasons", "checks", "removed")},
    }


def _not_watched(reason: str) -> dict:
    """The drift and retraining parts of a summary when nothing was served or sent to the model."""
    return {
        "drift": {"drift_detected": None, "skipped": reason},
        "retraining": {"triggered": False, "reason": reason, "outcome": None, "route": None, "recorded_at": None},
    }


@flow(name="longloop-pipeline")
def pipeline(
    params: LongloopParams,
    data_path: str | None = None,
    production_path: str | None = None,
    feedback_path: str | None = None,
) -> dict:
    """The demo corpus (``data_path`` None) is watched with its own shifted synthetic traffic. A user's dataset is
    watched only with their own production documents (``production_path``) and feedback labels: nothing
    synthetic ever reaches their inference log, feedback or dataset."""
    dataset = load_and_split(params, data_path)
    cycle = training_cycle(params, dataset, reason="pipeline")
    summary = _summary(cycle)
    if cycle["blocked"]:
        return {**summary, "blocked": True, "reused": cycle["reused"]}
    summary.update(
        blocked=False,
        training=cycle["training"]["result"] | {"parameters": cycle["training"]["parameters"]},
        evaluation=cycle["evaluation"],
        registry=cycle["registry"],
        promotion=cycle["promotion"],
        reused={**cycle["reused"], "drift_snapshot": None, "retraining": None},
    )
    if cycle["promotion"]["champion_version"] is None:
        return {**summary, "served": False, **_not_watched(f"no champion to serve ({cycle['promotion']['reason']})")}
    if data_path and not production_path:
        return {
            **summary,
            "served": False,
            **_not_watched(
                "no production traffic: pass --production FILE, or serve the champion with `longloop serve` and run "
                "`longloop monitor`"
            ),
        }

    deployment = deploy_serving(params)
    try:
        traffic = (
            replay_production_file(params, deployment, production_path)
            if production_path
            else send_production_traffic(params, deployment, batch=1)
        )
        watched = watch_window(params, deployment, traffic, cycle["dataset"]["path"], feedback_path)
        summary["reused"].update(watched.pop("reused"))
        summary.update(watched)
        summary["served"] = True
    finally:
        stop_serving(deployment)
    return summary
