"""The checks' seam: a new check is one small class; the context computes shared work once."""

from dataclasses import dataclass

import numpy as np
import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.checks import CHECK_NAMES, DEFAULT_CHECKS, BaseCheck, CheckResult, Finding, GateContext
from longloop.governance.gate import run_gate
from longloop.governance.waivers import parse_waivers
from longloop.settings.params import GovernanceParams


def _records(n=80):
    rows = generate_corpus(n, seed=4, median_tokens=150, length_sigma=0.8)
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 4)


@dataclass(frozen=True)
class Length:
    words: int


class TooLong(BaseCheck):
    """What a project might add: documents over a length its model cannot read at all."""

    name = "too_long"

    def __init__(self, max_words: int):
        self.max_words = max_words

    def default_action(self, params) -> str:
        return "quarantine"

    def run(self, context: GateContext) -> CheckResult:
        lengths = context.words.lengths()
        records = [context.records[i] for i in context.order.tolist()]
        return CheckResult(
            [
                Finding(self.name, r.id, f"{n} words, over {self.max_words}", detail=Length(int(n)))
                for r, n in zip(records, lengths.tolist())
                if n > self.max_words
            ]
        )

    def report_fields(self, result, unwaived, limit):
        return {"records": [f.record_id for f in unwaived[:limit]]}


class Never(TooLong):
    name = "never"

    def enabled(self, context):
        return False


def test_a_new_check_is_one_class_and_goes_through_actions_waivers_and_findings():
    records = _records()
    longest = sorted(records, key=lambda r: -len(r.text.split()))
    limit = len(longest[3].text.split())  # three documents over it
    checks = DEFAULT_CHECKS + (TooLong(limit), Never(0))
    report, kept = run_gate(records, GovernanceParams(), checks=checks)
    entry = report.to_dict()["checks"]["too_long"]
    assert entry["action"] == "quarantine" and entry["violations"] == 3 and entry["passed"]
    assert set(entry["records"]) == {r.id for r in longest[:3]} <= set(report.removed)
    assert "never" not in report.checks  # not enabled: not run, not reported
    assert len(kept) == len(records) - 3
    assert {r["record_id"] for r in report.finding_rows() if r["check"] == "too_long"} == set(entry["records"])

    waivers = parse_waivers(
        [{"record": longest[0].id, "check": "too_long", "reason": "a known long manual", "accepted_by": "ops"}],
        "w.yaml",
        CHECK_NAMES + ("too_long",),
    )
    waived, kept = run_gate(records, GovernanceParams(), waivers=waivers, checks=checks)
    assert waived.checks["too_long"].violations == 2 and longest[0].id in {r.id for r in kept}


def test_the_context_hashes_words_once_in_split_order_and_shares_duplicate_pairs():
    records = _records()
    context = GateContext(records, GovernanceParams())
    splits = [records[i].split for i in context.order.tolist()]
    assert splits == sorted(splits, key=["train", "validation", "test"].index)
    assert np.shares_memory(context.train_words.hashes, context.words.hashes)  # a view, not a copy
    assert np.shares_memory(context.held_out_words.hashes, context.words.hashes)  # no benchmark sets: a view too
    assert context.duplicate_pairs is context.duplicate_pairs  # computed once for leakage, duplicates, contamination
    assert len(context.duplicate_groups) == len(records)


def test_the_default_checks_are_the_reported_ones_in_order():
    report, _ = run_gate(_records(), GovernanceParams())
    assert (
        tuple(report.checks)
        == CHECK_NAMES
        == ("license", "leakage", "duplicates", "contamination", "label_leakage", "pii")
    )


class TooFewLabels(BaseCheck):
    """A finding about the dataset as a whole (no record to set aside)."""

    name = "too_few_labels"

    def default_action(self, params) -> str:
        return "quarantine"

    def run(self, context: GateContext) -> CheckResult:
        return CheckResult([Finding(self.name, None, "fewer than 5 labels")])


def test_a_finding_about_the_whole_dataset_blocks_where_quarantine_was_asked():
    records = _records()
    report, kept = run_gate(records, GovernanceParams(), checks=(TooFewLabels(),))
    assert report.verdict == "fail" and not report.checks["too_few_labels"].passed and len(kept) == len(records)
    assert [r["outcome"] for r in report.finding_rows()] == ["blocked"]


def test_a_check_without_run_is_refused_when_it_is_made_not_when_the_gate_runs():
    class Unfinished(BaseCheck):
        name = "unfinished"

    with pytest.raises(TypeError, match="run"):
        Unfinished()
