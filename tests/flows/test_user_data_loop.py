"""`longloop run --data` on a user's own dataset: nothing synthetic reaches the inference log, feedback or the
dataset; production documents come from the user's file and feedback labels only from the user's labels file,
joined by id; a label the model never saw is refused before anything runs."""

import json
from pathlib import Path

import pytest

from tests.cli_runner import run_cli


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def user_project(tmp_path_factory):
    """A project whose dataset, production documents and feedback are files of the user's own."""
    from tests.conftest import TINY

    project = tmp_path_factory.mktemp("user")
    # The baseline rule off (see tiny_params.yaml); retraining off: this module is about where traffic and labels
    # come from, and tests/flows/test_real_corpus_loop_slow.py retrains on real feedback.
    (project / "params.yaml").write_text(TINY.read_text() + "retraining: {enabled: false}\n")
    assert run_cli(project, "demo-data", "--out", "mine.jsonl", "--n", "160", "--seed", "11").code == 0
    assert (
        run_cli(
            project,
            "demo-data",
            "--out",
            "later.jsonl",
            "--n",
            "70",
            "--stream",
            "9",
            "--seed",
            "11",
            "--shift",
            "longer",
        ).code
        == 0
    )
    later = _rows(project / "later.jsonl")
    _write(project / "prod.jsonl", [{"id": f"ticket-{i}", "text": r["text"]} for i, r in enumerate(later)])
    _write(project / "labels.jsonl", [{"id": f"ticket-{i}", "label": r["label"]} for i, r in enumerate(later)])
    return project


def test_a_first_challenger_that_loses_to_tfidf_is_refused_and_nothing_is_served(user_project, tmp_path):
    project = tmp_path
    (project / "params.yaml").write_text(
        (user_project / "params.yaml")
        .read_text()
        .replace("min_gain_over_baseline: null", "min_gain_over_baseline: 0.0")
    )
    (project / "mine.jsonl").write_text((user_project / "mine.jsonl").read_text())
    res = run_cli(project, "run", "--data", "mine.jsonl", "--json")
    assert res.code == 1, res.stderr[-3000:]  # a gate refused
    s = res.json
    assert s["promotion"]["promoted"] is False and "TF-IDF baseline" in s["promotion"]["reason"]
    assert s["registry"]["champion_version"] is None
    assert s["served"] is False and "no champion to serve" in s["drift"]["skipped"]
    ledger = [
        json.loads(line)
        for line in (project / ".longloop" / "registry" / "promotions.jsonl").read_text().split("\n")
        if line.strip()
    ]
    assert ledger[-1]["action"] == "refuse" and "TF-IDF" in ledger[-1]["reason"]
    assert s["retraining"]["triggered"] is False
    assert not (project / ".longloop" / "inference" / "requests.jsonl").exists()
    assert not list((project / ".longloop" / "data").glob("feedback-*.jsonl"))


def test_production_file_and_feedback_reach_the_model_and_nothing_else(user_project):
    project = user_project
    res = run_cli(
        project, "run", "--data", "mine.jsonl", "--production", "prod.jsonl", "--feedback", "labels.jsonl", "--json"
    )
    assert res.code == 0, res.stderr[-3000:]
    s = res.json
    assert s["served"] is True and s["deployment"]["traffic"]["documents"] == 70
    logged = _rows(project / ".longloop" / "inference" / "requests.jsonl")
    assert {r["id"] for r in logged} == {f"ticket-{i}" for i in range(70)}  # no synthetic document
    assert s["feedback"]["records"] == 70 and s["feedback"]["quarantined"] == 0
    feedback = [r for p in (project / ".longloop" / "data").glob("feedback-*.jsonl") for r in _rows(p)]
    assert {r["id"] for r in feedback} == {f"ticket-{i}" for i in range(70)}
    labels = {r["id"]: r["label"] for r in _rows(project / "labels.jsonl")}
    assert all(r["label"] == labels[r["id"]] for r in feedback)
    assert s["drift"]["n_current"] == 60 or "skipped" not in s["drift"]
    dataset = _rows(project / ".longloop" / "data" / "dataset.jsonl")
    assert not [r for r in dataset if r["id"].startswith("prod-")]  # the demo's traffic ids never appear


def test_a_feedback_label_the_model_never_saw_is_refused_before_anything_runs(user_project, tmp_path):
    _write(tmp_path / "bad-labels.jsonl", [{"id": "ticket-0", "label": "astrology"}])
    for name in ("params.yaml", "mine.jsonl", "prod.jsonl"):
        (tmp_path / name).write_text((user_project / name).read_text())
    res = run_cli(
        tmp_path,
        "run",
        "--data",
        "mine.jsonl",
        "--production",
        "prod.jsonl",
        "--feedback",
        "bad-labels.jsonl",
        timeout=120,
    )
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.code == 2 and len(lines) == 1 and "never trained on" in lines[0] and "astrology" in lines[0], res.stderr
    state = tmp_path / ".longloop"
    assert not [p for p in state.rglob("*") if p.is_file()]  # nothing trained, stored or logged


def test_rerun_on_the_users_dataset_without_production_sends_nothing(user_project):
    project = user_project
    before = (project / ".longloop" / "inference" / "requests.jsonl").read_text()
    res = run_cli(project, "run", "--data", "mine.jsonl", "--json")
    assert res.code == 0, res.stderr[-3000:]
    assert res.json["served"] is False and "no production traffic" in res.json["drift"]["skipped"]
    assert res.json["retraining"]["triggered"] is False
    assert (project / ".longloop" / "inference" / "requests.jsonl").read_text() == before


def test_replay_sends_a_users_file_through_the_champion(user_project):
    project = user_project
    _write(
        project / "next.jsonl",
        [{"id": f"next-{i}", "text": r["text"]} for i, r in enumerate(_rows(project / "later.jsonl"))],
    )
    before = len(_rows(project / ".longloop" / "inference" / "requests.jsonl"))
    res = run_cli(project, "replay", "--data", "next.jsonl", "--json")
    assert res.code == 0, res.stderr[-3000:]
    logged = _rows(project / ".longloop" / "inference" / "requests.jsonl")[before:]
    assert {r["id"] for r in logged} == {f"next-{i}" for i in range(70)}
    assert res.json["deployment"]["traffic"]["ok"] == res.json["deployment"]["traffic"]["requests"]
    bad = run_cli(project, "replay", "--data", "labels.jsonl", timeout=60)  # labels, no text
    assert bad.code == 2 and "text" in bad.stderr
