"""Prefect task for the governance gate; writes and logs the dataset card."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from corpus.atomic_files import write_json_atomic, write_text_atomic
from corpus.dataset_files import read_records, write_records
from governance.dataset_card import card_markdown, dataset_card
from governance.gate import run_gate
from settings.params import LongloopParams


@task(name="governance-gate", cache_policy=NO_CACHE)
def governance_gate(params: LongloopParams, dataset_path: str, snapshot: dict, run_dir: str, run_id: str) -> dict:
    records = read_records(Path(dataset_path))
    report, kept = run_gate(records, params.governance)
    kept_path = write_records(Path(run_dir) / "kept.jsonl", kept)
    out = Path(run_dir) / "governance"
    card = dataset_card(records, report, snapshot.get("md5"), dataset_path)
    write_json_atomic(out / "dataset_card.json", card)
    write_text_atomic(out / "dataset_card.md", card_markdown(card))
    write_json_atomic(out / "governance_report.json", report.to_dict())
    with mlflow.start_run(run_id=run_id):
        mlflow.log_artifacts(str(out), artifact_path="governance")
        mlflow.log_params({"data.dvc_md5": snapshot.get("md5"), "data.records": len(records),
                           "data.kept": len(kept), "governance.verdict": report.verdict})
    checks = {name: {"passed": c["passed"], "violations": c["violations"]} for name, c in report.checks.items()}
    return {"verdict": report.verdict, "reasons": report.reasons, "checks": checks, "removed": len(report.removed),
            "kept_path": str(kept_path), "card": json.loads(json.dumps(card))}
