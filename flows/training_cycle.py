"""One training cycle: version → governance gate → train → evaluate → register → promotion gate."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from corpus.dataset_files import read_records
from settings.params import LongloopParams
from tasks.dataset_tasks import version_dataset
from tasks.evaluation_tasks import evaluate_challenger, evaluate_champion
from tasks.governance_tasks import governance_gate
from tasks.registry_tasks import promotion_gate, register_challenger, start_tracking_run
from tasks.training_tasks import train_model


@flow(name="longloop-training-cycle")
def training_cycle(params: LongloopParams, dataset: dict, reason: str = "pipeline") -> dict:
    run = start_tracking_run(params, reason)
    snapshot = version_dataset(params, dataset["path"])
    governance = governance_gate(params, dataset["path"], snapshot, run["run_dir"], run["run_id"])
    out = {"dataset": {**dataset, "dvc": snapshot}, "governance": governance, "mlflow_run_id": run["run_id"]}
    if governance["verdict"] != "pass":
        return {**out, "blocked": True}
    trained = train_model(params, governance["kept_path"], run["run_dir"], run["run_id"])
    challenger = evaluate_challenger(params, trained["model_dir"], governance["kept_path"], run["run_dir"],
                                     run["run_id"])
    champion = evaluate_champion(params, governance["kept_path"])
    example = read_records(Path(governance["kept_path"]))[0].text
    registered = register_challenger(params, trained["model_dir"], run["run_id"], snapshot, governance["card"],
                                     challenger, example)
    promotion = promotion_gate(params, registered, challenger, champion, run)
    return {**out, "blocked": False, "training": trained, "evaluation": {"challenger": challenger, "champion": champion},
            "registry": {**registered, "aliases": promotion["aliases"], "champion_version": promotion["champion_version"]},
            "promotion": promotion}
