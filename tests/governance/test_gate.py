from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.dataset_card import card_markdown, dataset_card
from longloop.governance.gate import run_gate
from longloop.settings.params import GovernanceParams


def _records(plant=()):
    rows = generate_corpus(150, seed=3, median_tokens=200, plant=plant)
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)


def test_clean_demo_corpus_passes():
    report, kept = run_gate(_records(), GovernanceParams())
    assert report.verdict == "pass" and len(kept) == 150
    assert all(c["passed"] for c in report.to_dict()["checks"].values())


def test_planted_problems_block_and_are_named():
    report, _ = run_gate(_records(("duplicates", "licenses", "pii")), GovernanceParams())
    assert report.verdict == "fail"
    failed = {name for name, c in report.to_dict()["checks"].items() if not c["passed"]}
    assert {"license", "pii", "leakage"} <= failed
    card = dataset_card(_records(), report, "abc", "x.jsonl")
    assert "## Checks" in card_markdown(card)


def test_quarantine_mode_drops_offenders_and_passes():
    params = GovernanceParams.model_validate({"on_violation": "quarantine"})
    records = _records(("licenses", "pii"))
    report, kept = run_gate(records, params)
    assert report.verdict == "pass"
    assert 0 < len(report.removed) and len(kept) == len(records) - len(report.removed)


def test_label_string_in_text_is_label_leakage():
    rows = generate_corpus(120, seed=3, median_tokens=100)
    rows = [{**r, "text": r["text"] + f" category {r['label']}."} for r in rows]
    records = assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)
    report, _ = run_gate(records, GovernanceParams.model_validate({"on_violation": "quarantine"}))
    assert report.verdict == "fail"
    assert {t["kind"] for t in report.to_dict()["checks"]["label_leakage"]["tokens"]} == {"label-string"}
