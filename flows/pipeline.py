"""The main job: the whole closed loop, from data to a drift-triggered retraining decision."""

from __future__ import annotations

from prefect import flow

from longloop.flows.drift_check import act_on_drift_decision, drift_check
from longloop.flows.training_cycle import training_cycle
from longloop.settings.params import LongloopParams
from longloop.tasks.dataset_tasks import load_and_split
from longloop.tasks.serving_tasks import await_served_version, deploy_serving, send_production_traffic, stop_serving


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
        return {**summary, "blocked": True, "reused": cycle["reused"]}
    summary.update(blocked=False, training=cycle["training"]["result"] | {"parameters": cycle["training"]["parameters"]},
                   evaluation=cycle["evaluation"], registry=cycle["registry"], promotion=cycle["promotion"],
                   reused={**cycle["reused"], "drift_snapshot": None, "retraining": None})

    deployment = deploy_serving(params)
    try:
        traffic = send_production_traffic(params, deployment, batch=1)
        summary["deployment"] = {**deployment.to_dict(), "served_version": traffic["model_versions"],
                                 "traffic": {k: traffic[k] for k in ("documents", "requests", "ok", "failed", "shifts")}}
        checked = drift_check(params, since_line=traffic["log_offset"])
        summary["drift"] = ({k: checked["drift"][k] for k in ("drift_detected", "score", "alpha", "n_reference",
                                                              "n_current", "checks", "evidently", "reused")}
                            if checked["drift"] else {"drift_detected": None, "skipped": checked["reason"]})
        if checked["drift"] and checked["drift"]["reused"]:
            summary["reused"]["drift_snapshot"] = checked["drift"]["evidently"]["snapshot_id"]
        acted = act_on_drift_decision(params, checked, dataset_path=cycle["dataset"]["path"],
                                      feedback_paths=[traffic["feedback_path"]])
        cycle2 = acted.pop("cycle")
        summary["reused"]["retraining"] = cycle2["reused"] if cycle2 else None
        if cycle2 and not cycle2["blocked"] and cycle2["promotion"]["promoted"]:
            acted["outcome"]["served_new_champion"] = await_served_version(deployment,
                                                                           cycle2["promotion"]["champion_version"])
        summary["retraining"] = acted
    finally:
        stop_serving(deployment)
    return summary
