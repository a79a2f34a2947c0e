"""The gate with the benchmark sets and waivers the config names, plus extra files: read, merged, applied."""

import json

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.readers import read_benchmark_sets
from longloop.corpus.records import DataError, record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.configured_gate import run_configured_gate
from longloop.governance.gate import run_gate
from longloop.settings.params import ConfigError, GovernanceParams

WAIVER = "- record: '{id}'\n  check: pii\n  reason: reviewed\n  accepted_by: Jane Roe\n"


@pytest.fixture(scope="module")
def rows():
    return generate_corpus(80, seed=7)


@pytest.fixture
def records(rows):
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.15, 0.15, 7)


def _bench(path, rows):
    path.write_text("".join(json.dumps({"id": f"q{i}", "text": r["text"][:2000]}) + "\n" for i, r in enumerate(rows)))


def test_configured_and_extra_benchmarks_and_waivers_are_read_and_applied(tmp_path, rows, records):
    _bench(tmp_path / "bench.jsonl", rows[:5])
    _bench(tmp_path / "extra.jsonl", rows[5:10])
    (tmp_path / "w1.yaml").write_text(WAIVER.format(id=rows[0]["id"]))
    (tmp_path / "w2.yaml").write_text(WAIVER.format(id=rows[1]["id"]))
    params = GovernanceParams(benchmark_sets=("bench.jsonl",), waivers="w1.yaml")

    gate = run_configured_gate(records, params, tmp_path, 10**6, ["extra.jsonl"], ["w2.yaml"])

    assert [b.id for b in gate.benchmarks] == [f"bench.jsonl:q{i}" for i in range(5)] + [
        f"extra.jsonl:q{i}" for i in range(5)
    ]
    assert [w.value for w in gate.waivers.waivers] == [rows[0]["id"], rows[1]["id"]]
    assert gate.waivers.source == "w1.yaml, w2.yaml"
    hits = gate.report.checks["contamination"].listing["hits"]
    assert {h["eval_id"].split(":")[0] for h in hits} == {"bench.jsonl", "extra.jsonl"}
    assert {h["train_id"] for h in hits} <= {r["id"] for r in rows[:10]}
    # the same as the gate given the same files by hand
    report, kept = run_gate(
        records, params, read_benchmark_sets(["bench.jsonl", "extra.jsonl"], tmp_path, 10**6), gate.waivers
    )
    assert gate.report.to_dict() == report.to_dict() and gate.kept == kept


def test_nothing_configured_is_the_plain_gate(tmp_path, records):
    gate = run_configured_gate(records, GovernanceParams(), tmp_path, 10**6)
    report, kept = run_gate(records, GovernanceParams())
    assert gate.benchmarks == [] and len(gate.waivers) == 0
    assert gate.report.to_dict() == report.to_dict() and gate.kept == kept


def test_bad_benchmark_and_waiver_files_are_one_line_errors(tmp_path, records):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside.jsonl").write_text('{"id": "q", "text": "some text"}\n')
    with pytest.raises(DataError, match="outside the allowed folders"):
        run_configured_gate(records, GovernanceParams(), project, 10**6, extra_benchmarks=["../outside.jsonl"])
    (project / "w.yaml").write_text("- record: x\n  reason: trust me\n")
    with pytest.raises(ConfigError, match="waiver 1: 'accepted_by' is required"):
        run_configured_gate(records, GovernanceParams(waivers="w.yaml"), project, 10**6)
