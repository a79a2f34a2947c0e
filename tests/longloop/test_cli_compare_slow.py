"""``longloop compare`` on real text nobody here wrote (this machine's Debian changelogs), as a user runs it: every
candidate trained and tested on one split, the table printed, the report and its Pareto plot logged to MLflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.cli_runner import run_cli

pytestmark = pytest.mark.slow


def test_compare_on_real_changelogs_reports_every_candidate_and_logs_the_plot(project: Path):
    built = run_cli(project, "real-corpus", "--out", "real.jsonl")
    assert built.code == 0, built.stderr[-2000:]
    n = sum(1 for _ in (project / "real.jsonl").open())
    assert n >= 100  # the machine's corpus was built, not skipped

    res = run_cli(project, "compare", "--data", "real.jsonl", "--json", timeout=1800)
    assert res.code == 0, res.stderr[-3000:]
    out = res.json
    report = out["report"]
    names = [c["name"] for c in report["candidates"]]
    assert names == ["windowed_encoder", "truncated_encoder", "tfidf_logreg"]
    assert out["source"] == "real.jsonl" and sum(out["split"].values()) == n
    assert report["test_documents"] == out["split"]["test"] > 0
    for c in report["candidates"]:
        assert 0 <= c["macro_f1"] <= 1 and c["ms_per_document"] > 0 and c["train_seconds"] > 0
    assert report["recommended"] in report["pareto"]
    assert Path(report["plot"]).stat().st_size > 10_000

    client = MlflowClient(f"sqlite:///{project / '.longloop' / 'mlflow' / 'mlflow.db'}")
    run = client.get_run(out["mlflow_run_id"])
    assert run.data.tags["longloop.recommended"] == report["recommended"]
    assert {f"{name}.macro_f1" for name in names} <= set(run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"architecture_report.json", "architecture_pareto.png"} <= artifacts
    logged = json.loads(Path(client.download_artifacts(run.info.run_id, "architecture_report.json")).read_text())
    assert logged["recommended"] == report["recommended"]

    human = run_cli(project, "compare", "--data", "real.jsonl", "--candidates", "tfidf_logreg", timeout=600)
    assert human.code == 0, human.stderr[-2000:]
    assert "recommended: tfidf_logreg" in human.stdout and "candidate" in human.stdout
