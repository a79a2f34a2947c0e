"""The governance task writes every finding next to the report (redacted) and the pipeline logs it to MLflow."""

import json
from pathlib import Path

import mlflow

from longloop.corpus.dataset_files import write_records
from longloop.corpus.demo_corpus import generate_corpus_with_plants
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.settings.params import load_params
from longloop.settings.state_paths import StatePaths
from longloop.tasks.governance_tasks import governance_gate, log_governance
from longloop.versioning.dvc_snapshots import Snapshot


def _dataset(project: Path) -> tuple[Path, list[dict]]:
    rows, plants = generate_corpus_with_plants(120, seed=27, median_tokens=120, plant=("pii",))
    records = assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.15, 0.15, 7)
    return write_records(project / "data.jsonl", records), plants.pii


def test_findings_are_written_redacted_and_logged_as_an_mlflow_artifact(project, mlflow_store):
    path, planted_pii = _dataset(project)
    (project / "waivers.yaml").write_text(
        f"- {{record: '{planted_pii[0]['id']}', check: pii, reason: reviewed, accepted_by: qa}}\n"
    )
    with open(project / "params.yaml", "a") as fh:
        fh.write("governance: {block_on_pii: false, waivers: waivers.yaml}\n")
    params = load_params(project / "params.yaml")
    snapshot = Snapshot(md5="0" * 32, size=0, path="data.jsonl", dvc_file="data.jsonl.dvc", pushed=0, remote="none")
    paths = StatePaths.from_params(params)
    out = governance_gate.fn(paths, params.governance, params.data.max_text_chars, str(path), snapshot)
    report_dir = Path(out.report_dir)
    lines = (report_dir / "findings.jsonl").read_text().split("\n")
    rows = [json.loads(line) for line in lines if line]
    pii_rows = [r for r in rows if r["check"] == "pii"]
    assert len(pii_rows) == out.checks["pii"]["violations"] + out.card["checks"]["pii"]["waived"] > 0
    assert {r["record_id"] for r in pii_rows} == {p["id"] for p in planted_pii}
    assert {r["outcome"] for r in pii_rows} <= {"warned", "waived"}
    raw = (report_dir / "findings.jsonl").read_text() + (report_dir / "governance_report.json").read_text()
    text_of = {json.loads(line)["id"]: json.loads(line)["text"] for line in path.read_text().split("\n") if line}
    for p in planted_pii:  # kinds and ids only: no planted value reaches the findings or the report
        assert text_of[p["id"]][p["start"] : p["end"]] not in raw
    assert out.card["waivers"]["source"] == "waivers.yaml" and out.card["checks"]["pii"]["waived"] == 1

    run = mlflow.start_run()
    mlflow.end_run()
    log_governance.fn(out, snapshot, run.info.run_id)
    logged = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "governance")}
    assert {"governance/findings.jsonl", "governance/governance_report.json", "governance/dataset_card.json"} <= logged
