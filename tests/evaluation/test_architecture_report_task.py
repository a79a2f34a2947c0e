"""Every evaluation's architecture report (``evaluation.architecture_report``): the challenger measured from its
folder beside the configured candidates, trained for the report on the same split; the table, the JSON and the
cost-quality plot in a real MLflow run, a metric per candidate and the recommendation as a tag."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
from PIL import Image

from longloop.corpus.dataset_files import write_records
from longloop.settings.state_paths import StatePaths
from longloop.tasks.evaluation_tasks import architecture_report
from longloop.tasks.stage_results import TrackingRun, TrainedModel


def _report(params, trained_model_dir, demo_records, tmp_path: Path, on: bool):
    ep = params.evaluation.model_copy(
        update={"candidates": ("tfidf_logreg", "windowed_encoder"), "architecture_report": on}
    )
    kept = write_records(tmp_path / "kept.jsonl", demo_records)
    with mlflow.start_run() as run:
        run_id = run.info.run_id
    run = TrackingRun(run_id, str(tmp_path / "run"), mlflow.get_tracking_uri())
    trained = TrainedModel({"architecture": "windowed_encoder"}, 1, str(trained_model_dir))
    paths = StatePaths(tmp_path, tmp_path / ".longloop")
    summary = architecture_report.fn(
        paths, params.model, params.training, ep, 7, str(kept), trained, run, "fingerprint"
    )
    return summary, run_id, paths


def test_the_challenger_is_reported_beside_the_candidates_in_its_mlflow_run(
    tiny_params, trained_model_dir, demo_records, mlflow_store, tmp_path
):
    summary, run_id, paths = _report(tiny_params, trained_model_dir, demo_records, tmp_path, on=True)
    names = [c["name"] for c in summary.candidates]
    assert names == ["windowed_encoder", "tfidf_logreg"]  # the challenger first, each candidate once
    by_name = {c["name"]: c for c in summary.candidates}
    assert by_name["windowed_encoder"]["reused"] and not by_name["tfidf_logreg"]["reused"]
    assert summary.recommended in names and summary.recommended in summary.pareto
    assert "best macro-F1" in summary.policy and summary.recommended in summary.table
    client = mlflow.MlflowClient()
    stored = {a.path for a in client.list_artifacts(run_id, "architecture-report")}
    assert stored == {
        "architecture-report/architecture_report.json",
        "architecture-report/architecture_report.txt",
        "architecture-report/architecture_pareto.png",
    }
    local = Path(client.download_artifacts(run_id, "architecture-report", str(tmp_path / "downloaded")))
    assert json.loads((local / "architecture_report.json").read_text())["recommended"] == summary.recommended
    with Image.open(local / "architecture_pareto.png") as image:
        assert image.size[0] > 300
    run = mlflow.get_run(run_id)
    assert run.data.tags["longloop.architecture_recommended"] == summary.recommended
    for name in names:
        assert run.data.metrics[f"architecture_{name}_macro_f1"] == by_name[name]["macro_f1"]
    # The candidate trained for the report kept its checkpoints with the training's, released with them.
    assert (paths.training_dir("fingerprint") / "architecture-report" / "tfidf_logreg").is_dir()


def test_switched_off_nothing_is_trained_or_logged(
    tiny_params, trained_model_dir, demo_records, mlflow_store, tmp_path
):
    summary, run_id, paths = _report(tiny_params, trained_model_dir, demo_records, tmp_path, on=False)
    assert summary is None
    assert not mlflow.MlflowClient().list_artifacts(run_id) and not paths.state.exists()
