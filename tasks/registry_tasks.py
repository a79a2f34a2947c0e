"""Prefect tasks for the MLflow run, registration as ``challenger`` and the promotion gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from corpus.atomic_files import write_json_atomic
from registry.infra_check import run_infra_check
from registry.model_card import model_card_markdown
from registry.model_registry import alias_version, log_and_register, set_alias, version_aliases
from registry.promotion_gate import decide
from registry.promotion_ledger import record_move
from registry.tracking import configure_tracking_for
from settings.params import LongloopParams
from settings.state_paths import StatePaths
from training.model_io import add_to_model_dir, load_model_dir


@task(name="start-tracking-run", cache_policy=NO_CACHE)
def start_tracking_run(params: LongloopParams, reason: str) -> dict:
    paths = StatePaths.from_params(params).ensure()
    uri = paths.tracking_uri(params)
    configure_tracking_for(params)
    with mlflow.start_run(run_name=f"{reason}", tags={"longloop.reason": reason}) as run:
        run_id = run.info.run_id
    run_dir = paths.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    return {"run_id": run_id, "run_dir": str(run_dir), "tracking_uri": uri}


@task(name="register-challenger", retries=2, retry_delay_seconds=3, cache_policy=NO_CACHE)
def register_challenger(params: LongloopParams, model_dir: str, run_id: str, snapshot: dict, card: dict,
                        metrics: dict, example_text: str) -> dict:
    name = params.registry.model_name
    labels = load_model_dir(model_dir)[0].spec.labels
    add_to_model_dir(model_dir, {"MODEL_CARD.md": model_card_markdown(name, labels, snapshot, card, metrics)})
    tags = {"dvc_md5": snapshot["md5"], "dvc_path": snapshot["path"], "dvc_remote": snapshot["remote"],
            "run_id": run_id}
    with mlflow.start_run(run_id=run_id):
        reg = log_and_register(Path(model_dir), name, example_text, labels, tags)
    set_alias(name, "challenger", reg.version)
    return {"model_name": name, "version": reg.version, "model_uri": reg.model_uri,
            "aliases": version_aliases(name, reg.version)}


@task(name="promotion-gate", cache_policy=NO_CACHE)
def promotion_gate(params: LongloopParams, registered: dict, challenger: dict, champion: dict | None,
                   run: dict) -> dict:
    paths = StatePaths.from_params(params)
    run_dir, tracking_uri = run["run_dir"], run["tracking_uri"]
    name, version = registered["model_name"], registered["version"]
    infra_ok, infra_detail = run_infra_check(registered["model_uri"], tracking_uri)
    decision = decide(challenger, champion, params.registry.promotion, infra_ok, infra_detail)
    previous = alias_version(name, "champion")
    if decision.promote:
        set_alias(name, "champion", version)
        if previous is not None and previous != version:
            set_alias(name, "previous-champion", previous)
        # The promoted model's test predictions become the reference the drift job compares against.
        paths.monitoring_dir.mkdir(parents=True, exist_ok=True)
        for f in ("reference.jsonl", "vocabulary.json"):
            tmp = paths.monitoring_dir / f".{f}.tmp"
            shutil.copyfile(Path(run_dir) / f, tmp)
            tmp.replace(paths.monitoring_dir / f)
    entry = record_move(paths.ledger, name, "champion", previous, version if decision.promote else previous,
                        decision.reason, {"challenger": challenger, "champion": champion, "challenger_version": version},
                        action="promote" if decision.promote else "refuse")
    write_json_atomic(Path(run_dir) / "promotion.json", {"decision": decision.to_dict(), "ledger": entry})
    with mlflow.start_run(run_id=run["run_id"]):
        mlflow.log_artifact(str(Path(run_dir) / "promotion.json"))
        mlflow.set_tag("longloop.promoted", str(decision.promote).lower())
    return {"promoted": decision.promote, "reason": decision.reason, "infra_check": infra_detail,
            "champion_version": alias_version(name, "champion"), "previous_champion": previous,
            "aliases": version_aliases(name, version)}
