"""One training cycle: version → governance gate → train → evaluate → register → promotion gate.

A cycle whose training fingerprint (the data the gate kept, the parameters that shape the model, the training
and evaluation code) is already on a registered version reuses that version: nothing is trained or
registered, and the gate's recorded decision on it stands (nothing moves, no ledger entry is added).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from longloop.corpus.dataset_files import read_records
from longloop.settings.params import LongloopParams
from longloop.tasks.dataset_tasks import version_dataset
from longloop.tasks.evaluation_tasks import evaluate_challenger, evaluate_champion
from longloop.tasks.governance_tasks import governance_gate, log_governance
from longloop.tasks.registry_tasks import (
    find_trained_version,
    promotion_gate,
    register_challenger,
    reuse_trained_version,
    start_tracking_run,
)
from longloop.tasks.training_tasks import release_training_checkpoints, train_model


def _train_and_register(
    params: LongloopParams, reason: str, snapshot: dict, governance: dict, fingerprint: str
) -> dict:
    run = start_tracking_run(params, reason)
    log_governance(governance, snapshot, run["run_id"])
    trained = train_model(params, governance["kept_path"], run["run_dir"], run["run_id"], fingerprint)
    challenger = evaluate_challenger(
        params, trained["model_dir"], governance["kept_path"], run["run_dir"], run["run_id"]
    )
    champion = evaluate_champion(params, governance["kept_path"])
    example = read_records(Path(governance["kept_path"]))[0].text
    registered = register_challenger(
        params, run, trained["model_dir"], snapshot, governance["card"], challenger, example, fingerprint
    )
    promotion = promotion_gate(params, registered, challenger, champion, run)
    return {
        "training": trained,
        "evaluation": {"challenger": challenger, "champion": champion},
        "registry": registered,
        "promotion": promotion,
        "mlflow_run_id": run["run_id"],
    }


def _reuse(params: LongloopParams, found: dict, governance: dict) -> dict:
    reused = reuse_trained_version(params, found)
    if reused["promotion"] is None:  # registered, but the cycle that trained it stopped before the gate
        champion = evaluate_champion(params, governance["kept_path"])
        reused["promotion"] = promotion_gate(
            params, reused["registry"], reused["evaluation"]["challenger"], champion, reused["run"]
        )
        reused["evaluation"]["champion"] = champion
    return {**reused, "mlflow_run_id": reused.pop("run")["run_id"]}


@flow(name="longloop-training-cycle")
def training_cycle(params: LongloopParams, dataset: dict, reason: str = "pipeline") -> dict:
    snapshot = version_dataset(params, dataset["path"])
    governance = governance_gate(params, dataset["path"], snapshot)
    out = {"dataset": {**dataset, "dvc": snapshot}, "governance": governance}
    if governance["verdict"] != "pass":
        run = start_tracking_run(params, reason)
        log_governance(governance, snapshot, run["run_id"])
        return {
            **out,
            "mlflow_run_id": run["run_id"],
            "blocked": True,
            "reused": {"model_version": None, "dvc": snapshot["reused"]},
        }
    found = find_trained_version(params, snapshot, governance)
    if found["version"] is not None:
        cycle = _reuse(params, found, governance)
    else:
        cycle = _train_and_register(params, reason, snapshot, governance, found["fingerprint"])
    # Registered now, on either path (a run killed between registering and this point left them behind too).
    release_training_checkpoints(params, found["fingerprint"])
    promotion = cycle["promotion"]
    registry = {
        **cycle["registry"],
        "aliases": promotion["aliases"],
        "champion_version": promotion["champion_version"],
        "fingerprint": found["fingerprint"],
        "reused": found["version"] is not None,
    }
    return {
        **out,
        **cycle,
        "blocked": False,
        "registry": registry,
        "reused": {"model_version": found["version"], "dvc": snapshot["reused"]},
    }
