"""The main job: the whole closed loop, from data to a drift-triggered retraining decision."""

from __future__ import annotations

from prefect import flow

from flows.drift_check import drift_check
from flows.retraining import retraining
from flows.training_cycle import training_cycle
from settings.params import LongloopParams
from tasks.dataset_tasks import load_and_split
from tasks.monitoring_tasks import record_retraining
from tasks.serving_tasks import await_served_version, deploy_serving, send_production_traffic, stop_serving


def _summary(cycle: dict) -> dict:
    d = cycle["dataset"]
    return {"dataset": {"dvc_md5": d["dvc"]["md5"], "dvc_pushed": d["dvc"]["pushed"], "path": d["path"],
                        "source": d["source"], "counts": d["counts"], "quarantined": d.get("quarantined", 0)},
            "governance": {k: cycle["governance"][k] for k in ("verdict", "reasons", "checks", "removed")}}


@flow(name="longloop-pipeline")
def pipeline(params: LongloopParams, data_path: str | None = None) -> dict:
    dataset = load_and_split(params, data_path)
    cycle = training_cycle(params, dataset, reason="pipeline")
    summary = _summary(cycle)
    if cycle["blocked"]:
        return {**summary, "blocked": True}
    summary.update(blocked=False, training=cycle["training"]["result"] | {"parameters": cycle["training"]["parameters"]},
                   evaluation=cycle["evaluation"], registry=cycle["registry"], promotion=cycle["promotion"])

    deployment = deploy_serving(params)
    try:
        traffic = send_production_traffic(params, deployment, batch=1)
        summary["deployment"] = {**deployment.to_dict(), "served_version": traffic["model_versions"],
                                 "traffic": {k: traffic[k] for k in ("documents", "requests", "ok", "failed", "shifts")}}
        checked = drift_check(params, since_line=traffic["log_offset"])
        drift, decision = checked["drift"], checked["decision"]
        summary["drift"] = {k: drift[k] for k in ("drift_detected", "score", "alpha", "n_reference", "n_current",
                                                 "checks", "evidently")}
        outcome = None
        if decision["retrain"]:
            cycle2 = retraining(params, dataset_path=cycle["dataset"]["path"], feedback_path=traffic["feedback_path"])
            outcome = {"blocked": cycle2["blocked"], "dataset": _summary(cycle2)["dataset"],
                       "governance_verdict": cycle2["governance"]["verdict"]}
            if not cycle2["blocked"]:
                new_version = cycle2["promotion"]["champion_version"]
                outcome.update(registry=cycle2["registry"], promotion=cycle2["promotion"],
                               evaluation=cycle2["evaluation"],
                               served_new_champion=await_served_version(deployment, new_version)
                               if cycle2["promotion"]["promoted"] else None)
        entry = record_retraining(params, decision, outcome)
        summary["retraining"] = {"triggered": decision["retrain"], "reason": decision["reason"], "outcome": outcome,
                                 "recorded_at": entry["at"]}
    finally:
        stop_serving(deployment)
    return summary
