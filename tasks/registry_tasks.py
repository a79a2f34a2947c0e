"""Prefect tasks for the MLflow run, registration as ``challenger``, the promotion gate, and the reuse of a
version an earlier cycle already trained from the same data, parameters and code."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_bytes_atomic, write_json_atomic
from longloop.governance.redaction import mask_text, redact_structure, redact_text
from longloop.registry.gate_record import record_gate_decision, settled_decision
from longloop.registry.infra_check import run_infra_check
from longloop.registry.model_card import model_card_markdown
from longloop.registry.model_registry import (
    alias_version,
    find_version_by_tag,
    load_run_json,
    log_and_register,
    set_alias,
    version_aliases,
)
from longloop.registry.promotion_gate import decide
from longloop.registry.promotion_ledger import read_ledger, record_move
from longloop.registry.tracking import configure_tracking_for
from longloop.registry.training_fingerprint import FINGERPRINT_TAG, training_fingerprint
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.evaluation_tasks import SCALARS
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.training_tasks import TRAINING_SUMMARY
from longloop.training.model_io import add_to_model_dir, load_model_dir

# The promoted model's test predictions and training vocabulary: what the drift job compares production with.
DRIFT_REFERENCE_FILES = ("reference.jsonl", "vocabulary.json")
DRIFT_REFERENCE_ARTIFACTS = "drift_reference"
CHALLENGER_KEYS = (*SCALARS, "by_length", "n_documents", "robustness", "comparisons", "int8")


@task(name="start-tracking-run", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def start_tracking_run(params: LongloopParams, reason: str) -> dict:
    paths = StatePaths.from_params(params).ensure()
    uri = paths.tracking_uri(params)
    configure_tracking_for(params)
    reason = redact_text(reason)
    with mlflow.start_run(run_name=reason, tags={"longloop.reason": reason}) as run:
        run_id = run.info.run_id
    run_dir = paths.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    return {"run_id": run_id, "run_dir": str(run_dir), "tracking_uri": uri}


@task(name="find-trained-version", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def find_trained_version(params: LongloopParams, snapshot: dict, governance: dict) -> dict:
    """The training fingerprint of this cycle, and the registered version that already carries it, if any."""
    configure_tracking_for(params)
    fingerprint = training_fingerprint(params, snapshot["md5"], governance["kept_sha256"])
    found = find_version_by_tag(params.registry.model_name, FINGERPRINT_TAG, fingerprint)
    return {
        "fingerprint": fingerprint,
        "version": found.version if found else None,
        "run_id": found.run_id if found else None,
        "model_uri": found.model_uri if found else None,
    }


@task(name="register-challenger", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def register_challenger(
    params: LongloopParams,
    run: dict,
    model_dir: str,
    snapshot: dict,
    card: dict,
    metrics: dict,
    example_text: str,
    fingerprint: str,
) -> dict:
    name = params.registry.model_name
    # A retry after a registration that went through (and a later step that did not) must not add a version.
    registered = find_version_by_tag(name, FINGERPRINT_TAG, fingerprint)
    if registered is None:
        labels = load_model_dir(model_dir)[0].spec.labels
        card_text = redact_text(model_card_markdown(name, labels, snapshot, card, metrics))
        add_to_model_dir(model_dir, {"MODEL_CARD.md": card_text})
        tags = redact_structure(
            {
                "dvc_md5": snapshot["md5"],
                "dvc_path": snapshot["path"],
                "dvc_remote": snapshot["remote"],
                "run_id": run["run_id"],
            }
        )
        with mlflow.start_run(run_id=run["run_id"]):
            # With the run, so that a cycle reusing this version on another machine can still make it the reference.
            for f in DRIFT_REFERENCE_FILES:
                mlflow.log_artifact(str(Path(run["run_dir"]) / f), artifact_path=DRIFT_REFERENCE_ARTIFACTS)
            registered = log_and_register(
                Path(model_dir), name, mask_text(example_text), labels, {**tags, FINGERPRINT_TAG: fingerprint}
            )
    set_alias(name, "challenger", registered.version)
    return {
        "model_name": name,
        "version": registered.version,
        "model_uri": registered.model_uri,
        "aliases": version_aliases(name, registered.version),
    }


@task(name="promotion-gate", cache_policy=NO_CACHE)
def promotion_gate(
    params: LongloopParams, registered: dict, challenger: dict, champion: dict | None, run: dict
) -> dict:
    paths = StatePaths.from_params(params)
    run_dir, tracking_uri = run["run_dir"], run["tracking_uri"]
    name, version = registered["model_name"], registered["version"]
    infra_ok, infra_detail = run_infra_check(registered["model_uri"], tracking_uri)
    infra_detail = redact_text(infra_detail)  # a failing check reports the tail of its stderr
    decision = decide(challenger, champion, params.registry.promotion, infra_ok, infra_detail)
    previous = alias_version(name, "champion")
    if decision.promote:
        set_alias(name, "champion", version)
        if previous is not None and previous != version:
            set_alias(name, "previous-champion", previous)
        # The promoted model's test predictions become the reference the drift job compares against.
        paths.monitoring_dir.mkdir(parents=True, exist_ok=True)
        for f in DRIFT_REFERENCE_FILES:
            write_bytes_atomic(paths.monitoring_dir / f, (Path(run_dir) / f).read_bytes())
    entry = record_move(
        paths.ledger,
        name,
        "champion",
        previous,
        version if decision.promote else previous,
        decision.reason,
        {"challenger": challenger, "champion": champion, "challenger_version": version},
        action="promote" if decision.promote else "refuse",
    )
    write_json_atomic(Path(run_dir) / "promotion.json", {"decision": decision.to_dict(), "ledger": entry})
    with mlflow.start_run(run_id=run["run_id"]):
        mlflow.log_artifact(str(Path(run_dir) / "promotion.json"))
        mlflow.set_tag("longloop.promoted", str(decision.promote).lower())
    # Last: the mark that this version went through the gate, which a cycle reusing it reads.
    record_gate_decision(name, version, decision.promote, infra_ok, decision.reason, entry["at"])
    return {
        "promoted": decision.promote,
        "reason": decision.reason,
        "infra_check": infra_detail,
        "champion_version": alias_version(name, "champion"),
        "previous_champion": previous,
        "aliases": version_aliases(name, version),
    }


@task(name="reuse-trained-version", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def reuse_trained_version(params: LongloopParams, found: dict) -> dict:
    """A cycle that reuses a registered version reports the training and evaluation its run logged and the
    gate's recorded decision on it. ``promotion`` is None when the version still has to go through the gate
    (the cycle that trained it stopped before): it is then the challenger again, with its drift reference
    at hand for a promotion."""
    paths = StatePaths.from_params(params)
    configure_tracking_for(params)
    name, version, run_id = params.registry.model_name, found["version"], found["run_id"]
    evaluation = load_run_json(run_id, "evaluation.json")
    run = {"run_id": run_id, "run_dir": str(paths.runs_dir / run_id), "tracking_uri": paths.tracking_uri(params)}
    settled = settled_decision(name, version)
    promotion, champion = None, None
    if settled is not None:
        current = alias_version(name, "champion")
        promotion = {
            "promoted": False,
            "reason": settled,
            "infra_check": None,
            "champion_version": current,
            "previous_champion": current,
            "aliases": version_aliases(name, version),
        }
        gated = [e for e in read_ledger(paths.ledger) if e.get("metrics", {}).get("challenger_version") == version]
        champion = gated[-1]["metrics"].get("champion") if gated else None  # what the gate compared it with
    else:
        set_alias(name, "challenger", version)
        if not all((Path(run["run_dir"]) / f).is_file() for f in DRIFT_REFERENCE_FILES):
            mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=DRIFT_REFERENCE_ARTIFACTS, dst_path=run["run_dir"]
            )
            for f in DRIFT_REFERENCE_FILES:
                shutil.move(Path(run["run_dir"]) / DRIFT_REFERENCE_ARTIFACTS / f, Path(run["run_dir"]) / f)
    return {
        "training": load_run_json(run_id, TRAINING_SUMMARY),
        "evaluation": {
            "challenger": {k: evaluation[k] for k in CHALLENGER_KEYS if k in evaluation},
            "champion": champion,
        },
        "registry": {"model_name": name, "version": version, "model_uri": found["model_uri"]},
        "promotion": promotion,
        "run": run,
    }
