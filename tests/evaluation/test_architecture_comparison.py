"""The architecture report: every candidate trained and tested on one split (the two windowed architectures and
the TF-IDF baseline, really trained), quality and cost side by side, the Pareto front, the recommendation by its
stated policy, and the cost-quality plot."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from longloop.corpus.splits import by_split
from longloop.evaluation.architecture_comparison import (
    BASELINE,
    CandidateResult,
    candidate_model_params,
    compare_architectures,
    pareto_front,
    recommend,
)


def _candidate(name: str, macro_f1: float, cost: float, ms: float) -> CandidateResult:
    return CandidateResult(name, "transformer", macro_f1, macro_f1, 0.05, {}, 1.0, ms, cost * 72000, cost, 10.0, 100)


def test_the_pareto_front_keeps_what_no_other_candidate_beats_on_both_cost_and_quality():
    candidates = [
        _candidate("cheap", 0.70, 0.001, 0.1),
        _candidate("dominated", 0.69, 0.010, 3.0),
        _candidate("best", 0.80, 0.020, 5.0),
    ]
    assert pareto_front(candidates) == ["cheap", "best"]


def test_the_long_context_candidate_reads_its_own_context_built_from_the_config(tiny_params):
    mp = tiny_params.model.model_copy(update={"pretrained_dir": "/some/checkpoint"})
    ep = tiny_params.evaluation.model_copy(update={"long_context_tokens": 4096})
    native = candidate_model_params("long_context_encoder", mp, ep)
    assert (native.architecture, native.context_tokens, native.window_stride) == ("long_context_encoder", 4096, 3584)
    assert native.pretrained_dir is None
    truncated = candidate_model_params("truncated_encoder", mp, ep)
    assert truncated.context_tokens == mp.context_tokens and truncated.pretrained_dir == "/some/checkpoint"


def test_the_recommendation_is_the_best_macro_f1_within_the_latency_budget():
    candidates = [_candidate("cheap", 0.70, 0.001, 0.1), _candidate("best", 0.80, 0.020, 5.0)]
    assert recommend(candidates, None)[0] == "best"
    name, reason, policy = recommend(candidates, 1.0)
    assert name == "cheap" and "within 1 ms per document" in policy and "macro-F1 0.7000" in reason
    assert recommend(candidates, 0.01)[0] == "cheap"  # none within the budget: the fastest
    tie = [_candidate("dear", 0.75, 0.02, 5.0), _candidate("cheap", 0.75, 0.001, 0.1)]
    assert recommend(tie, None)[0] == "cheap"


@pytest.fixture(scope="module")
def report(demo_records, tiny_params, tmp_path_factory):
    work = tmp_path_factory.mktemp("compare")
    return compare_architectures(
        by_split(demo_records),
        tiny_params.model,
        tiny_params.training,
        tiny_params.evaluation,
        7,
        work / "scratch",
        work / "pareto.png",
        progress=False,
        in_child=False,  # each in its own process is tested below, for one candidate: a child costs 4 s to start
    )


def test_every_candidate_is_trained_and_measured_on_the_same_test_split(report, demo_records):
    test = [r for r in demo_records if r.split == "test"]
    assert [c.name for c in report.candidates] == ["windowed_encoder", "truncated_encoder", BASELINE]
    assert report.test_documents == len(test)
    for c in report.candidates:
        assert 0 <= c.accuracy <= 1 and 0 <= c.macro_f1 <= 1 and 0 <= c.ece <= 1
        assert sum(b["count"] for b in c.by_length.values()) == len(test)  # every document in one bucket
        assert c.train_seconds > 0 and c.ms_per_document > 0 and c.cost_per_1000_documents > 0
        assert c.peak_memory_mb >= 0 and c.parameters > 0
    buckets = {tuple(c.by_length) for c in report.candidates}
    assert len(buckets) == 1  # one tokenizer's lengths slice every candidate alike
    assert report.recommended in report.pareto and report.pareto
    json.dumps(report.to_dict())  # the report is plain JSON


def test_the_report_prints_a_table_and_draws_the_cost_quality_plot(report):
    table = report.table()
    assert all(c.name in table for c in report.candidates) and f"recommended: {report.recommended}" in table
    with Image.open(report.plot) as image:
        assert image.size[0] > 300 and image.size[1] > 200


def test_a_candidate_measured_in_its_own_process_scores_as_in_this_one(report, demo_records, tiny_params, tmp_path):
    """The child process trains the same model (training is reproducible): only the cost figures may differ."""
    ep = tiny_params.evaluation.model_copy(update={"candidates": ("truncated_encoder",)})
    there = compare_architectures(
        by_split(demo_records), tiny_params.model, tiny_params.training, ep, 7, tmp_path, progress=False
    )
    mine = next(c for c in report.candidates if c.name == "truncated_encoder")
    (child,) = there.candidates
    assert (mine.accuracy, mine.macro_f1, mine.by_length) == (child.accuracy, child.macro_f1, child.by_length)
    assert mine.ece == pytest.approx(child.ece, abs=1e-9)


def test_a_folder_already_trained_on_the_split_is_measured_not_trained_again(
    report, trained_model_dir, demo_records, tiny_params, tmp_path
):
    """The challenger's folder (trained with the same data, parameters and seed as the report's windowed
    encoder) gives the same scores, with the training figures it recorded, and nothing is trained for it."""
    ep = tiny_params.evaluation.model_copy(update={"candidates": ("windowed_encoder",)})
    there = compare_architectures(
        by_split(demo_records),
        tiny_params.model,
        tiny_params.training,
        ep,
        7,
        tmp_path,
        progress=False,
        fitted={"windowed_encoder": trained_model_dir},
    )
    (reused,) = there.candidates
    trained = json.loads((trained_model_dir / "training_result.json").read_text())
    assert reused.reused and reused.train_seconds == trained["fit_seconds"] > 0
    assert reused.train_tokens_per_second == trained["tokens_per_second"]
    assert reused.peak_memory_mb >= trained["fit_memory_mb"] > 0
    fresh = next(c for c in report.candidates if c.name == "windowed_encoder")
    assert not fresh.reused
    assert (reused.accuracy, reused.macro_f1, reused.by_length) == (fresh.accuracy, fresh.macro_f1, fresh.by_length)
    assert not (tmp_path / "windowed_encoder").exists() and not (tmp_path / "records.jsonl").exists()
