"""Prefect tasks for the governance gate and its dataset card."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_json_atomic, write_jsonl_atomic, write_text_atomic
from longloop.corpus.dataset_files import read_records, write_records
from longloop.governance.configured_gate import run_configured_gate
from longloop.governance.dataset_card import card_markdown, dataset_card
from longloop.governance.pii import masked_for_training
from longloop.governance.redaction import redact_structure
from longloop.settings.params import GovernanceParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import GovernanceOutcome
from longloop.versioning.dvc_snapshots import Snapshot


@task(name="governance-gate", cache_policy=NO_CACHE)
def governance_gate(
    paths: StatePaths, governance: GovernanceParams, max_text_chars: int, dataset_path: str, snapshot: Snapshot
) -> GovernanceOutcome:
    """Judge the dataset. The records it lets through leave with secrets and personal data in their text and
    source masked (same length), so that no model, tokenizer vocabulary, input example or drift reference
    holds them; the card and the report are redacted too. Nothing goes to MLflow here: ``log_governance`` does
    that once a run exists.
    """
    records = read_records(Path(dataset_path))
    gate = run_configured_gate(records, governance, paths.root, max_text_chars)
    report, kept = gate.report, gate.kept
    # One folder per (data, governance settings, benchmark texts, waivers): the same inputs write the same files.
    settings_hash = hashlib.sha256(
        (
            governance.model_dump_json()
            + json.dumps([[r.id, r.text] for r in gate.benchmarks])
            + json.dumps([dataclasses.astuple(w) for w in gate.waivers.waivers])
        ).encode()
    ).hexdigest()[:12]
    gate_dir = paths.governance_dir(f"{snapshot.md5}-{settings_hash}")
    kept_path = write_records(gate_dir / "kept.jsonl", masked_for_training(kept))
    card = redact_structure(dataset_card(records, report, snapshot.md5, dataset_path))
    report_dir = gate_dir / "report"
    write_json_atomic(report_dir / "dataset_card.json", card)
    write_text_atomic(report_dir / "dataset_card.md", card_markdown(card))
    write_json_atomic(report_dir / "governance_report.json", redact_structure(report.to_dict()))
    # Every finding, where the report keeps a sample; log_governance sends the folder to MLflow.
    write_jsonl_atomic(report_dir / "findings.jsonl", (redact_structure(row) for row in report.finding_rows()))
    checks = {name: {"passed": c.passed, "violations": c.violations} for name, c in report.checks.items()}
    return GovernanceOutcome(
        verdict=report.verdict,
        reasons=redact_structure(report.reasons),
        checks=checks,
        removed=len(report.removed),
        records=len(records),
        kept=len(kept),
        kept_path=str(kept_path),
        kept_sha256=hashlib.sha256(kept_path.read_bytes()).hexdigest(),
        report_dir=str(report_dir),
        card=json.loads(json.dumps(card)),
    )


@task(name="log-governance", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def log_governance(outcome: GovernanceOutcome, snapshot: Snapshot, run_id: str) -> None:
    with mlflow.start_run(run_id=run_id):
        mlflow.log_artifacts(outcome.report_dir, artifact_path="governance")
        mlflow.log_params(
            redact_structure(
                {
                    "data.dvc_md5": snapshot.md5,
                    "data.records": outcome.records,
                    "data.kept": outcome.kept,
                    "governance.verdict": outcome.verdict,
                }
            )
        )
