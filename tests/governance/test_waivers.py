"""Waivers: read strictly, applied by the gate (a waived finding no longer counts), recorded in the dataset card."""

import json

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import Record, record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.checks import CHECK_NAMES
from longloop.governance.dataset_card import card_markdown, dataset_card
from longloop.governance.gate import run_gate
from longloop.governance.waivers import load_waivers, parse_waivers, read_waivers
from longloop.settings.params import ConfigError, GovernanceParams


def _waivers(*entries):
    return parse_waivers(list(entries), "waivers.yaml", CHECK_NAMES)


def _w(**kw):
    return {"reason": "reviewed: public contact address", "accepted_by": "Jane Roe (data steward)", **kw}


@pytest.fixture(scope="module")
def planted():
    rows = generate_corpus(150, seed=3, median_tokens=200, plant=("duplicates", "licenses", "pii"))
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)


@pytest.mark.parametrize(
    "entry, needle",
    [
        ({"record": "a", "accepted_by": "x"}, "waiver 1: 'reason' is required"),
        ({"record": "a", "reason": "ok"}, "waiver 1: 'accepted_by' is required"),
        ({"record": "a", "reason": "  ", "accepted_by": "x"}, "'reason' is required"),
        ({"record": "a", "reason": "ok", "accepted_by": None}, "'accepted_by' is required"),
        ({"reason": "ok", "accepted_by": "x"}, "exactly one of record, ngram or token"),
        ({"record": "a", "token": "b", "reason": "ok", "accepted_by": "x"}, "exactly one of record, ngram or token"),
        ({"record": "a", "reason": "ok", "accepted_by": "x", "expires": "never"}, "expires: unknown key"),
        ({"record": "a", "check": "spelling", "reason": "ok", "accepted_by": "x"}, "check 'spelling' is not one of"),
        ({"token": "a", "check": "pii", "reason": "ok", "accepted_by": "x"}, "'check' goes with a record waiver only"),
        ("just a string", "expected a mapping"),
    ],
)
def test_a_bad_waiver_is_one_line_naming_the_file_and_entry(entry, needle):
    with pytest.raises(ConfigError) as err:
        parse_waivers({"waivers": [entry]}, "waivers.yaml", CHECK_NAMES)
    assert needle in str(err.value) and str(err.value).startswith("waivers.yaml: ") and "\n" not in str(err.value)


def test_waiver_files_in_yaml_and_json(tmp_path):
    (tmp_path / "w.yaml").write_text(
        "waivers:\n  - record: '00017'\n    check: pii\n    reason: public address\n"
        "    accepted_by: jane\n  - token: v2\n    reason: a version\n"
        "    accepted_by: joe\n"
    )
    (tmp_path / "w.json").write_text(json.dumps([_w(ngram="one two three")]))
    yaml_set = read_waivers(tmp_path / "w.yaml", CHECK_NAMES)
    assert [(w.kind, w.value, w.check) for w in yaml_set.waivers] == [("record", "00017", "pii"), ("token", "v2", None)]
    (tmp_path / "octal.yaml").write_text("- {record: 00017, reason: r, accepted_by: a}\n")
    with pytest.raises(ConfigError, match="'record' must be a string .*read 15 as a number"):
        read_waivers(tmp_path / "octal.yaml", CHECK_NAMES)
    both = load_waivers(["w.yaml", "w.json"], tmp_path, CHECK_NAMES)
    assert len(both) == 3 and both.source == "w.yaml, w.json"
    (tmp_path / "alias.yaml").write_text("a: &x [1]\nwaivers: *x\n")
    (tmp_path / "bad.json").write_text("[{")
    for name, needle in (("alias.yaml", "aliases"), ("bad.json", "invalid JSON"), ("missing.yaml", "not found")):
        with pytest.raises(ConfigError, match=needle):
            load_waivers([name], tmp_path, CHECK_NAMES)
    with pytest.raises(Exception, match="outside the allowed folders"):
        load_waivers(["../elsewhere.yaml"], tmp_path, CHECK_NAMES)


def test_record_waivers_take_findings_out_of_the_count_and_the_action(planted):
    base, _ = run_gate(planted, GovernanceParams())
    pii = base.checks["pii"]
    first, second = pii.findings[0].record_id, pii.findings[1].record_id
    waivers = _waivers(_w(record=first, check="pii"), _w(record=second))  # the second: for every check
    report, kept = run_gate(planted, GovernanceParams(), waivers=waivers)
    c = report.checks["pii"]
    assert (c.violations_before_waivers, c.waived, c.violations) == (pii.violations, 2, pii.violations - 2)
    assert {f.record_id for f in c.findings if f.waived} == {first, second}
    assert first not in report.to_dict()["checks"]["pii"]["records"]
    # the same records under quarantine: the waived ones stay
    q, kept = run_gate(planted, GovernanceParams.model_validate({"on_violation": "quarantine"}), waivers=waivers)
    assert first not in q.removed and second not in q.removed and {first, second} <= {r.id for r in kept}
    rows = [r for r in report.finding_rows() if r["record_id"] == first and r["check"] == "pii"]
    assert rows[0]["outcome"] == "waived" and rows[0]["waived_by"][0]["accepted_by"] == "Jane Roe (data steward)"


def test_waiving_every_finding_of_a_check_lets_the_gate_pass(planted):
    base, _ = run_gate(planted, GovernanceParams())
    ids = {name: sorted({f.record_id for f in c.findings}) for name, c in base.checks.items()}
    waivers = _waivers(
        *[_w(record=i, check=name) for name in ("license", "leakage", "contamination", "pii") for i in ids[name]]
    )
    report, kept = run_gate(planted, GovernanceParams(), waivers=waivers)
    assert report.verdict == "pass", report.reasons
    assert all(c.violations == 0 for n, c in report.checks.items() if n != "duplicates")


def test_a_token_waiver_accepts_a_label_leak():
    rows = generate_corpus(120, seed=3, median_tokens=100)
    rows = [{**r, "text": r["text"] + f" category {r['label']}."} for r in rows]
    records = assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, 3)
    base, _ = run_gate(records, GovernanceParams())
    tokens = [f.token for f in base.checks["label_leakage"].findings]
    assert tokens and base.verdict == "fail"
    report, _ = run_gate(records, GovernanceParams(), waivers=_waivers(*[_w(token=t.upper()) for t in tokens]))
    assert report.checks["label_leakage"].violations == 0 and report.checks["label_leakage"].waived == len(tokens)
    assert report.checks["label_leakage"].passed


def _copy_case():
    texts = [d["text"] for d in generate_corpus(30, seed=12, median_tokens=300, length_sigma=0.2)]
    held = [Record(f"e{i}", t, "x", "MIT", "s", "test") for i, t in enumerate(texts[:5])]
    passage = " ".join(held[2].text.split()[30:130])
    train = [Record(f"t{i}", t, "x", "MIT", "s", "train") for i, t in enumerate(texts[5:])]
    train[0] = Record("t0", train[0].text + " " + passage, "x", "MIT", "s", "train")
    return train + held, passage


def test_an_ngram_waiver_stops_its_text_counting_as_shared():
    records, passage = _copy_case()
    base, _ = run_gate(records, GovernanceParams())
    assert base.checks["contamination"].violations == 1
    report, _ = run_gate(records, GovernanceParams(), waivers=_waivers(_w(ngram=passage.upper())))
    c = report.checks["contamination"]
    assert (c.violations_before_waivers, c.violations, c.waived) == (1, 0, 1)
    assert c.summary.ngrams_waived == 88 and report.waivers[0].matched == 88
    [row] = [r for r in report.finding_rows() if r["check"] == "contamination"]
    assert row["outcome"] == "waived" and row["record_id"] == "t0"
    half = " ".join(passage.split()[:40])  # covers 28 of the 88 n-grams: what is left is still a copy
    partly, _ = run_gate(records, GovernanceParams(), waivers=_waivers(_w(ngram=half)))
    assert partly.checks["contamination"].violations == 1 and partly.checks["contamination"].summary.ngrams_waived == 28
    with pytest.raises(ConfigError, match="fewer than 13 words"):
        run_gate(records, GovernanceParams(), waivers=_waivers(_w(ngram="too short to be an n-gram")))


def test_the_dataset_card_records_every_waiver_and_the_counts_before_and_after(planted):
    base, _ = run_gate(planted, GovernanceParams())
    target = base.checks["pii"].findings[0].record_id
    waivers = _waivers(_w(record=target, check="pii"), _w(record="no-such-record", reason="stale", accepted_by="x"))
    report, _ = run_gate(planted, GovernanceParams(), waivers=waivers)
    card = dataset_card(planted, report, "abc", "data.jsonl")
    w = card["waivers"]
    assert w["source"] == "waivers.yaml" and w["unused"] == 1
    assert [(e["value"], e["matched"], e["accepted_by"]) for e in w["entries"]] == [
        (target, 1, "Jane Roe (data steward)"),
        ("no-such-record", 0, "x"),
    ]
    assert w["violations_before"]["pii"] == w["violations_after"]["pii"] + 1
    assert card["checks"]["pii"]["waived"] == 1
    md = card_markdown(card)
    assert "## Waivers" in md and "Jane Roe (data steward)" in md and "1 matched nothing" in md
    assert "| pii | block | FAIL |" in md
