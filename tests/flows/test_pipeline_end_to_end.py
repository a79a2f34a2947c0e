"""`longloop run` end to end on the tiny config: real Prefect, MLflow, DVC, Evidently and an HTTP server."""

import json

from mlflow import MlflowClient

from tests.cli_runner import run_cli


def test_run_closes_the_loop(project):
    res = run_cli(project, "run", "--json")
    assert res.code == 0, res.stderr[-3000:]
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
    assert s["retraining"]["triggered"] is True
    outcome = s["retraining"]["outcome"]
    assert outcome["registry"]["version"] == "2"
    assert outcome["dataset"]["dvc_md5"] != s["dataset"]["dvc_md5"]

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
    assert len([p for p in (state / "dvc-remote").rglob("*") if p.is_file()]) == 2
    assert list((state / "evidently").rglob("snapshots/*.json"))
    assert (state / "inference" / "requests.jsonl").read_text().count("\n") == 60
    assert not list((project / "home").rglob("*")), "nothing may be written outside the project"

    status = run_cli(project, "status", "--json")
    assert status.code == 0, status.stderr
    st = status.json
    assert st["aliases"]["champion"] == str(champion.version)
    assert len(st["promotions"]) == 2 and st["drift"][0]["drift_detected"] is True
    assert st["retraining"][0]["started"] is True
    restored = run_cli(project, "restore-data", "--md5", s["dataset"]["dvc_md5"], "--json")
    assert restored.code == 0, restored.stderr
    lines = open(restored.json["path"]).read().splitlines()
    assert len(lines) == 160 and json.loads(lines[0])["id"].startswith("doc-")


def test_run_blocked_by_the_governance_gate_exits_1(project):
    made = run_cli(project, "demo-data", "--out", "planted.jsonl", "--n", "120", "--plant", "licenses",
                   "--plant", "pii")
    assert made.code == 0, made.stderr
    res = run_cli(project, "run", "--data", "planted.jsonl", "--json")
    assert res.code == 1, res.stderr[-2000:]
    assert res.json["governance"]["verdict"] == "fail"
    assert not res.json["governance"]["checks"]["license"]["passed"]
