"""A dataset file through the configured gate: read (bad rows quarantined), split, judged, findings and kept
records written; bad output paths refused before the gate runs."""

import json

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import DataError
from longloop.governance.dataset_file_gate import govern_dataset_file
from longloop.governance.pii import masked_for_training
from longloop.settings.params import parse_params


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


@pytest.fixture
def folders(tmp_path):
    """(project with data.jsonl and its params, a working folder outside it)"""
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    work.mkdir()
    rows = generate_corpus(120, seed=4, median_tokens=150, plant=("pii", "licenses"))
    lines = [json.dumps(r) for r in rows] + ['{"id": "broken", "text": ']
    (project / "data.jsonl").write_text("\n".join(lines) + "\n")
    params = parse_params({"data": {"on_bad_record": "quarantine"}}, root=project)
    return project, work, params, rows


def test_the_file_is_judged_and_every_finding_and_the_kept_records_written(folders):
    project, work, params, rows = folders
    governed = govern_dataset_file(
        str(project / "data.jsonl"),
        params,
        work,
        findings=str(work / "out" / "findings.jsonl"),
        kept=str(project / "kept.jsonl"),
    )
    report = governed.report
    assert governed.records == len(rows) and governed.quarantined_rows == 1
    assert report.checks["pii"].violations > 0 and report.checks["license"].violations > 0
    assert _rows(work / "out" / "findings.jsonl") == json.loads(json.dumps(list(report.finding_rows())))
    assert _rows(project / "kept.jsonl") == [r.to_dict() for r in masked_for_training(governed.kept)]
    assert {r["split"] for r in _rows(project / "kept.jsonl")} == {"train", "validation", "test"}
    assert governed.findings_path == work / "out" / "findings.jsonl" and governed.kept_path == project / "kept.jsonl"
    assert governed.to_dict() == report.to_dict() | {
        "records": len(rows),
        "kept": len(governed.kept),
        "quarantined_rows": 1,
        "findings_path": str(work / "out" / "findings.jsonl"),
    }


def test_without_outputs_nothing_is_written(folders):
    project, work, params, _ = folders
    governed = govern_dataset_file(str(project / "data.jsonl"), params, work)
    assert governed.findings_path is None and governed.kept_path is None
    assert governed.to_dict()["findings_path"] is None
    assert sorted(p.name for p in project.iterdir()) == ["data.jsonl"] and not list(work.iterdir())


@pytest.mark.parametrize(
    "findings, kept, needle",
    [
        ("findings.json", "kept.jsonl", "findings.json: the findings are written as .jsonl"),
        ("/etc/findings.jsonl", "kept.jsonl", "outside the allowed folders"),
        ("findings.jsonl", "../../kept.jsonl", "outside the allowed folders"),
    ],
)
def test_bad_output_paths_are_refused_before_the_gate_writes_anything(folders, findings, kept, needle):
    project, work, params, _ = folders
    with pytest.raises(DataError, match=needle):
        govern_dataset_file(
            str(project / "data.jsonl"),
            params,
            work,
            findings=findings if findings.startswith("/") else str(work / findings),
            kept=str(work / kept),
        )
    assert not list(work.iterdir()) and sorted(p.name for p in project.iterdir()) == ["data.jsonl"]


def test_the_dataset_must_be_inside_the_project(folders, tmp_path):
    project, work, params, _ = folders
    (work / "data.jsonl").write_text((project / "data.jsonl").read_text())
    with pytest.raises(DataError, match="outside the allowed folders"):
        govern_dataset_file(str(work / "data.jsonl"), params, work)
