"""The whole loop on real text nobody here wrote: this machine's Debian changelogs (labelled by section, the
newest entries of each package as production traffic, their sections as delayed feedback), with the real-data
preset's governance policy. The gate keeps most records, nothing synthetic enters the inference log or the
dataset, the replayed entries reach the drift job, and their shift starts exactly one retraining on the
user's feedback."""

import json
from pathlib import Path

import pytest
import yaml

from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.fixture(scope="module")
def real_loop(tmp_path_factory):
    from longloop.corpus.debian_changelogs import build_debian_corpus

    project = tmp_path_factory.mktemp("real")
    # Fails (DataError), not skips, on a machine without enough changelogs.
    corpus = build_debian_corpus(min_documents=200, min_per_label=20, max_labels=4)
    records = corpus.records
    assert len(records) >= 150, corpus.summary()
    (project / "real.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    prod = corpus.production_documents()[:150]
    (project / "prod.jsonl").write_text("".join(json.dumps(r) + "\n" for r in prod))
    labels = [f for f in corpus.feedback_labels() if f["id"] in {p["id"] for p in prod}]
    (project / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labels))
    config = yaml.safe_load((ROOT / "configs" / "real-data.yaml").read_text())
    tiny = yaml.safe_load((ROOT / "tests" / "tiny_params.yaml").read_text())
    # The preset's governance and data policy; the tiny test model (whose rule against TF-IDF is off, see
    # tiny_params.yaml: the rule itself is tested in tests/flows/test_user_data_loop.py).
    config.update(
        model=tiny["model"],
        training=tiny["training"],
        registry=tiny["registry"],
        monitoring={"window_size": 60, "permutations": 200},
    )
    config["governance"]["waivers"] = None
    config["governance"]["actions"]["label_leakage"] = "warn"  # a machine's own version-number artefacts
    (project / "params.yaml").write_text(yaml.safe_dump(config))
    res = run_cli(
        project,
        "run",
        "--data",
        "real.jsonl",
        "--production",
        "prod.jsonl",
        "--feedback",
        "labels.jsonl",
        "--json",
        timeout=1500,
    )
    assert res.code == 0, res.stderr[-3000:]
    return project, res.json, records, prod


def test_the_gate_keeps_most_real_records(real_loop):
    _, s, records, _ = real_loop
    assert s["governance"]["verdict"] == "pass"
    assert s["dataset"]["counts"]["total"] == len(records)
    kept_share = 1 - s["governance"]["removed"] / len(records)  # removed: how many records were set aside
    assert kept_share >= 0.8, (kept_share, s["governance"]["checks"])


def test_only_the_users_production_documents_reach_the_model(real_loop):
    project, s, _, prod = real_loop
    from longloop.governance.redaction import mask_text

    logged = _rows(project / ".longloop" / "inference" / "requests.jsonl")
    # The log masks ids like text: a version such as 1.2.5.1 in `pkg@version` reads as an IP address.
    assert {r["id"] for r in logged} == {mask_text(p["id"]) for p in prod}
    assert s["deployment"]["traffic"]["documents"] == len(prod)


def test_the_replayed_entries_shift_and_start_one_retraining_on_real_feedback(real_loop):
    project, s, records, prod = real_loop
    assert s["drift"]["drift_detected"] is True  # changelog entries are far shorter than whole changelogs
    rt = s["retraining"]
    assert rt["triggered"] is True and rt["route"] == "inline"
    history = _rows(project / ".longloop" / "monitoring" / "retraining.jsonl")
    assert [h["started"] for h in history] == [True]  # exactly one retraining
    added = rt["outcome"]["dataset"]["added"]
    assert 0 < added <= len(prod) and s["feedback"]["records"] == added
    dataset = _rows(project / ".longloop" / "data" / "dataset.jsonl")
    assert {r["label"] for r in dataset} == {r["label"] for r in records}  # no label the user never had
    assert not [r for r in dataset if r["id"].startswith(("prod-", "doc-"))]  # nothing from the demo corpus


def test_each_evaluation_reports_the_architectures_on_the_real_split(real_loop):
    """The preset's candidates beside the challenger, on the changelogs' own test split, in both cycles."""
    project, s, _, _ = real_loop
    for report in (s["evaluation"]["architectures"], s["retraining"]["outcome"]["evaluation"]["architectures"]):
        names = [c["name"] for c in report["candidates"]]
        assert names == ["windowed_encoder", "truncated_encoder", "tfidf_logreg"]  # challenger first
        assert [c["reused"] for c in report["candidates"]] == [True, False, False]
        assert all(0 <= c["macro_f1"] <= 1 and c["ms_per_document"] > 0 for c in report["candidates"])
        assert report["recommended"] in names
    assert list((project / ".longloop" / "runs").glob("*/architecture-report/architecture_pareto.png"))
