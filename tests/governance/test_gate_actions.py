"""Actions per check (block, quarantine, warn), their defaults from the older settings, the quarantine cap,
and the findings every check leaves."""

import json

import pytest

from longloop.corpus.demo_corpus import generate_corpus, generate_corpus_with_plants
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.gate import MAX_LISTED, run_gate
from longloop.settings.params import ConfigError, GovernanceParams, parse_params


def _records(plant=(), n=150, seed=3):
    rows = generate_corpus(n, seed=seed, median_tokens=200, plant=plant)
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)


def _params(**governance):
    return GovernanceParams.model_validate(governance)


PLANTED = _records(("duplicates", "licenses", "pii"))


def test_defaults_follow_on_violation_and_block_on_pii():
    def actions(p):
        return {n: c.action for n, c in run_gate(PLANTED, p)[0].checks.items()}

    assert actions(_params()) == {
        "license": "block",
        "leakage": "block",
        "duplicates": "quarantine",
        "contamination": "block",
        "label_leakage": "block",
        "pii": "block",
    }
    assert actions(_params(on_violation="quarantine", block_on_pii=False)) == {
        "license": "quarantine",
        "leakage": "quarantine",
        "duplicates": "quarantine",
        "contamination": "quarantine",
        "label_leakage": "block",
        "pii": "warn",
    }


def test_an_action_per_check_overrides_the_defaults():
    p = _params(actions={"license": "quarantine", "leakage": "warn", "contamination": "warn", "pii": "quarantine"})
    report, kept = run_gate(PLANTED, p)
    assert report.verdict == "pass", report.reasons
    d = report.to_dict()
    assert {n: c["action"] for n, c in d["checks"].items()}["leakage"] == "warn"
    license_bad = set(d["checks"]["license"]["denied"]) | set(d["checks"]["license"]["unknown"])
    pii_ids = set(d["checks"]["pii"]["records"])
    assert license_bad and pii_ids and (license_bad | pii_ids) <= set(report.removed)
    assert report.checks["leakage"].violations > 0
    assert not any(why.startswith("duplicate across splits") for why in report.removed.values())  # warned only
    assert any(w.startswith("leakage:") and "warn" in w for w in report.warnings)
    assert all(c["passed"] for c in d["checks"].values())
    assert len(kept) == len(PLANTED) - len(report.removed)


def test_block_fails_and_names_the_check_quarantine_and_warn_do_not():
    blocked, kept = run_gate(PLANTED, _params(actions={"pii": "block"}))
    assert blocked.verdict == "fail" and "pii: 5 violation(s)" in blocked.reasons
    assert not blocked.to_dict()["checks"]["pii"]["passed"]
    warned, _ = run_gate(PLANTED, _params(on_violation="quarantine", actions={"pii": "warn"}))
    assert warned.verdict == "pass" and warned.checks["pii"].passed and warned.checks["pii"].violations == 5
    assert not {f.record_id for f in warned.checks["pii"].findings} & {
        i for i, why in warned.removed.items() if why.startswith("contains")
    }


def test_within_train_duplicates_can_block_or_be_kept():
    report, _ = run_gate(PLANTED, _params(on_violation="quarantine"))
    copies = {f.record_id for f in report.checks["duplicates"].findings}
    assert copies and copies <= set(report.removed)
    kept_copies, _ = run_gate(PLANTED, _params(on_violation="quarantine", actions={"duplicates": "warn"}))
    assert not any("within train" in why for why in kept_copies.removed.values())
    blocked, _ = run_gate(PLANTED, _params(on_violation="quarantine", actions={"duplicates": "block"}))
    assert blocked.verdict == "fail" and any(r.startswith("duplicates:") for r in blocked.reasons)


def _label_leak():
    rows = generate_corpus(120, seed=3, median_tokens=100)
    rows = [{**r, "text": r["text"] + f" category {r['label']}."} for r in rows]
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)


def test_label_leakage_blocks_or_warns():
    records = _label_leak()
    blocked, _ = run_gate(records, _params(on_violation="quarantine"))
    assert blocked.verdict == "fail" and blocked.checks["label_leakage"].action == "block"
    warned, kept = run_gate(records, _params(actions={"label_leakage": "warn"}))
    assert warned.verdict == "pass" and len(kept) == len(records)
    assert warned.checks["label_leakage"].violations >= 1 and warned.warnings


def test_quarantine_of_label_leakage_is_refused_at_config_load_in_one_line():
    with pytest.raises(ConfigError) as err:
        parse_params({"governance": {"actions": {"label_leakage": "quarantine"}}})
    message = str(err.value)
    assert "\n" not in message and "governance.actions.label_leakage" in message and "dataset" in message


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"actions": {"pii": "drop"}}, "governance.actions.pii"),
        ({"actions": {"spelling": "warn"}}, "governance.actions.spelling"),
        ({"max_quarantine_share": 0}, "governance.max_quarantine_share"),
        ({"max_quarantine_share": 1.5}, "governance.max_quarantine_share"),
    ],
)
def test_bad_actions_and_caps_are_one_line_config_errors(raw, key):
    with pytest.raises(ConfigError) as err:
        parse_params({"governance": raw})
    assert key in str(err.value) and "\n" not in str(err.value)


def test_a_quarantine_over_the_cap_fails_the_gate_with_that_reason():
    rows, plants = generate_corpus_with_plants(100, seed=23, median_tokens=80, plant=("licenses",))
    rows = [{**r, "license": "CC-BY-NC-4.0"} if i % 4 == 0 else r for i, r in enumerate(rows)]  # 25% denied
    records = assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)
    report, kept = run_gate(records, _params(on_violation="quarantine"))
    q = report.quarantine
    assert q.records + q.deduplicated == len(report.removed) and q.share > 0.2 and q.exceeded
    assert report.verdict == "fail"
    [reason] = [r for r in report.reasons if r.startswith("quarantine would set aside")]
    assert "governance.max_quarantine_share (20%)" in reason and "license" in reason
    assert all(c.passed for c in report.checks.values())  # no check blocked: the cap did
    looser, _ = run_gate(records, _params(on_violation="quarantine", max_quarantine_share=0.5))
    assert looser.verdict == "pass" and not looser.quarantine.exceeded
    uncapped, _ = run_gate(records, _params(on_violation="quarantine", max_quarantine_share=None))
    assert uncapped.verdict == "pass"


def test_dropping_redundant_copies_does_not_count_toward_the_cap():
    records = _records(("duplicates",), n=300)
    params = _params(
        on_violation="quarantine", actions={"leakage": "warn", "contamination": "warn"}, max_quarantine_share=0.01
    )
    report, kept = run_gate(records, params)
    assert report.verdict == "pass", report.reasons
    q = report.quarantine
    assert q.records == 0 and q.deduplicated == report.checks["duplicates"].violations > 3


def test_the_json_report_keeps_its_keys_and_a_sample_while_the_findings_hold_everything():
    rows = generate_corpus(200, seed=5, median_tokens=80)
    rows = [{**r, "license": "CC-BY-NC-4.0"} for r in rows]
    records = assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)
    report, _ = run_gate(records, _params())
    d = json.loads(json.dumps(report.to_dict()))
    assert {"verdict", "checks", "removed", "reasons"} <= set(d)
    assert set(d["checks"]) == {"license", "leakage", "duplicates", "contamination", "label_leakage", "pii"}
    for c in d["checks"].values():
        assert {"passed", "violations", "action"} <= set(c)
    lic = d["checks"]["license"]
    assert lic["violations"] == 200 and len(lic["denied"]) == MAX_LISTED
    rows_out = [r for r in report.finding_rows() if r["check"] == "license"]
    assert len(rows_out) == 200 and {r["record_id"] for r in rows_out} == {r.id for r in records}
    assert all(r["outcome"] == "blocked" and r["reason"] == "license CC-BY-NC-4.0 is denied" for r in rows_out)
    json.dumps(list(report.finding_rows()))  # every row is plain JSON


def test_legacy_quarantine_mode_keeps_its_verdicts_and_removals():
    report, kept = run_gate(_records(("licenses", "pii")), _params(on_violation="quarantine"))
    assert report.verdict == "pass" and 0 < len(report.removed) == 150 - len(kept)
    assert {w.split(":")[0] for w in report.warnings} >= {"license", "pii"}
    assert not report.reasons
