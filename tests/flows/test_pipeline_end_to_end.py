"""`longloop run` end to end on the tiny config: real Prefect, MLflow, DVC, Evidently and an HTTP server;
then the same run again, which must reuse what the first one made."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mlflow import MlflowClient

from longloop.monitoring.evidently_dashboard import SNAPSHOTS_PER_WINDOW
from tests.cli_runner import CliResult, run_cli
from tests.conftest import TINY

MODEL = "longloop-classifier"


def _stored(project: Path) -> dict:
    """How many of each stored thing a run leaves: re-running must not add to any of them."""
    state = project / ".longloop"
    client = MlflowClient(f"sqlite:///{state / 'mlflow' / 'mlflow.db'}")

    def files(folder: Path) -> int:
        return len([p for p in folder.rglob("*") if p.is_file()])

    ledger = state / "registry" / "promotions.jsonl"
    return {
        "model_versions": len(client.search_model_versions(f"name='{MODEL}'")),
        "mlflow_runs": len(client.search_runs([e.experiment_id for e in client.search_experiments()])),
        "dvc_cache_files": files(state / "dvc-cache"),
        "dvc_remote_files": files(state / "dvc-remote"),
        "evidently_snapshots": len(list((state / "evidently").rglob("snapshots/*.json"))),
        "ledger_entries": ledger.read_text().count("\n") if ledger.exists() else 0,
        "inference_lines": (state / "inference" / "requests.jsonl").read_text().count("\n"),
    }


@dataclass
class FirstRun:
    project: Path
    result: CliResult
    stored: dict  # _stored() right after the run


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> FirstRun:
    """One `longloop run` on a fresh project, shared by the module's tests (a second run builds on it)."""
    project = tmp_path_factory.mktemp("loop")
    config = yaml.safe_load(TINY.read_text())
    # Every evaluation reports the challenger beside the TF-IDF candidate, trained for the report.
    config["evaluation"] = {"architecture_report": True, "candidates": ["windowed_encoder", "tfidf_logreg"]}
    (project / "params.yaml").write_text(yaml.safe_dump(config))
    res = run_cli(project, "run", "--json")
    assert res.code == 0, res.stderr[-3000:]
    return FirstRun(project, res, _stored(project))


def test_run_closes_the_loop(first_run):
    project, res = first_run.project, first_run.result
    s = res.json
    for key in ("dataset", "governance", "training", "evaluation", "registry", "deployment", "drift", "retraining"):
        assert key in s
    assert len(s["dataset"]["dvc_md5"]) == 32 and s["dataset"]["counts"]["total"] == 160
    assert s["governance"]["verdict"] == "pass"
    assert s["training"]["real_token_fraction"] > 0.8 and s["training"]["steps"] > 0
    assert "champion" in s["registry"]["aliases"]
    assert s["deployment"]["traffic"]["ok"] == s["deployment"]["traffic"]["requests"]
    # The production batch is shifted (longer documents, new vocabulary): the drift job must see it.
    assert s["drift"]["drift_detected"] is True
    assert s["drift"]["checks"]["length"]["drift"] is True
    # The batch's feedback labels are joined to the logged predictions by document id for the label check.
    assert s["drift"]["checks"]["label"]["n_labelled"] == 60
    assert s["retraining"]["triggered"] is True
    outcome = s["retraining"]["outcome"]
    assert outcome["registry"]["version"] == "2"
    assert outcome["dataset"]["dvc_md5"] != s["dataset"]["dvc_md5"]
    # Nothing to reuse on a fresh project, and the retraining's changed data trains anew.
    assert s["reused"] == {
        "model_version": None,
        "dvc": False,
        "drift_snapshot": None,
        "retraining": {"model_version": None, "dvc": False},
    }

    state = project / ".longloop"
    client = MlflowClient(f"sqlite:///{state / 'mlflow' / 'mlflow.db'}")
    champion = client.get_model_version_by_alias("longloop-classifier", "champion")
    assert str(champion.version) == outcome["promotion"]["champion_version"]
    assert champion.tags["dvc_md5"] in (s["dataset"]["dvc_md5"], outcome["dataset"]["dvc_md5"])
    # Evaluation goes past accuracy: robustness, OOD detection and the comparisons, with plots in MLflow.
    ev = s["evaluation"]["challenger"]
    assert set(ev["robustness"]["perturbations"]) >= {"typos", "character_swaps", "distractor_phrase"}
    assert 0.0 <= ev["ood_auroc_energy"] <= 1.0 and ev["cpu_seconds_per_1000_documents"] > 0
    assert set(ev["comparisons"]) >= {"full_context", "first_512_tokens", "tfidf_logistic_regression"}
    run_id = client.get_model_version("longloop-classifier", "1").run_id
    plots = {f.path for f in client.list_artifacts(run_id, "plots")}
    assert {"plots/robustness.png", "plots/long_context_vs_baselines.png", "plots/reliability_diagram.png"} <= plots
    report = s["evaluation"]["architectures"]
    assert [(c["name"], c["reused"]) for c in report["candidates"]] == [
        ("windowed_encoder", True),  # the challenger, measured from its folder
        ("tfidf_logreg", False),  # trained for the report
    ]
    assert client.get_run(run_id).data.tags["longloop.architecture_recommended"] == report["recommended"]
    shown = {f.path for f in client.list_artifacts(run_id, "architecture-report")}
    assert "architecture-report/architecture_pareto.png" in shown
    assert outcome["evaluation"]["architectures"]["candidates"], "the retraining cycle's evaluation reports too"
    assert first_run.stored["dvc_remote_files"] == 2
    assert list((state / "evidently").rglob("snapshots/*.json"))
    assert first_run.stored["inference_lines"] == 60
    assert not list((project / "home").rglob("*")), "nothing may be written outside the project"

    status = run_cli(project, "status", "--json")
    assert status.code == 0, status.stderr
    st = status.json
    assert st["aliases"]["champion"] == str(champion.version)
    assert len(st["promotions"]) == 2 and st["drift"][0]["drift_detected"] is True
    assert st["retraining"][0]["started"] is True
    restored = run_cli(project, "restore-data", "--md5", s["dataset"]["dvc_md5"], "--json")
    assert restored.code == 0, restored.stderr
    lines = [line for line in Path(restored.json["path"]).read_text(encoding="utf-8").split("\n") if line]
    assert len(lines) == 160 and json.loads(lines[0])["id"].startswith("doc-")


@pytest.mark.slow  # a second whole run (about a minute): kept out of the default suite's 10 minutes
def test_a_second_run_on_the_same_data_reuses_everything(first_run):
    """Same data, parameters and code: no new model version, MLflow run, DVC object, ledger entry or (for the
    same drift window) Evidently snapshot; the run says what it reused."""
    project, s1 = first_run.project, first_run.result.json
    res = run_cli(project, "run", "--json")
    assert res.code == 0, res.stderr[-3000:]
    s2 = res.json
    before, after = first_run.stored, _stored(project)
    assert after["inference_lines"] == before["inference_lines"] + 60  # production traffic is new every run
    window_is_the_same = s2["deployment"]["served_version"] == s1["deployment"]["served_version"]
    assert {k: v for k, v in after.items() if k != "inference_lines"} == {
        **{k: v for k, v in before.items() if k != "inference_lines"},
        # The same documents scored by another champion (the first run's retraining promoted one) are a new window.
        "evidently_snapshots": before["evidently_snapshots"] + (0 if window_is_the_same else SNAPSHOTS_PER_WINDOW),
    }

    assert s2["reused"]["model_version"] == s1["registry"]["version"] == s2["registry"]["version"] == "1"
    assert s2["reused"]["dvc"] is True and s2["dataset"]["dvc_md5"] == s1["dataset"]["dvc_md5"]
    assert s2["registry"]["reused"] is True and s2["promotion"]["promoted"] is False
    assert "nothing moved" in s2["promotion"]["reason"]
    assert s2["training"]["val_accuracy"] == s1["training"]["val_accuracy"]
    assert s2["evaluation"]["challenger"]["macro_f1"] == s1["evaluation"]["challenger"]["macro_f1"]
    assert s2["drift"]["reused"] is window_is_the_same
    if window_is_the_same:
        assert s2["reused"]["drift_snapshot"] == s1["drift"]["evidently"]["snapshot_id"]
        assert s2["drift"]["score"] == s1["drift"]["score"]
    if s2["retraining"]["triggered"]:  # the same feedback merged again: the retraining cycle's model is reused too
        assert s2["reused"]["retraining"] == {
            "model_version": s1["retraining"]["outcome"]["registry"]["version"],
            "dvc": True,
        }
        assert s2["retraining"]["outcome"]["promotion"]["promoted"] is False


@pytest.mark.slow  # a monitor and a retraining run (about 40 s)
def test_scheduled_jobs_from_the_command_line_read_only_new_windows_and_reuse(first_run):
    """What the drift-job and scheduled-retraining deployments run: the drift job reads only lines it has not
    read (none after the pipeline's own check); retraining on unchanged data and feedback reuses the version."""
    project = first_run.project
    before = _stored(project)
    monitored = run_cli(project, "monitor", "--json")
    assert monitored.code == 0, monitored.stderr[-2000:]
    assert monitored.json["skipped"] is True and "0 new documents" in monitored.json["reason"]
    retrained = run_cli(project, "retrain", "--json")
    assert retrained.code == 0, retrained.stderr[-2000:]
    outcome = retrained.json["outcome"]
    assert outcome["blocked"] is False and outcome["dataset"]["added"] == 0
    assert outcome["registry"]["reused"] is True and outcome["promotion"]["promoted"] is False
    after = _stored(project)
    assert (
        after["model_versions"] == before["model_versions"] and after["dvc_remote_files"] == before["dvc_remote_files"]
    )
    status = run_cli(project, "status", "--json").json
    assert status["retraining"][-1]["reason"] == "started by command line"


def test_run_blocked_by_the_governance_gate_exits_1(project):
    made = run_cli(
        project, "demo-data", "--out", "planted.jsonl", "--n", "120", "--plant", "licenses", "--plant", "pii"
    )
    assert made.code == 0, made.stderr
    res = run_cli(project, "run", "--data", "planted.jsonl", "--json")
    assert res.code == 1, res.stderr[-2000:]
    assert res.json["governance"]["verdict"] == "fail"
    assert not res.json["governance"]["checks"]["license"]["passed"]
