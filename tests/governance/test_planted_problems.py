"""The issue's "done when" on problems planted by the demo generator (measured, not timed)."""

import numpy as np
import pytest

from longloop.corpus.demo_corpus import BAD_LICENSES, PII_KINDS, generate_corpus_with_plants, pii_value
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits
from longloop.governance.exact_duplicates import exact_duplicate_index_groups
from longloop.governance.gate import run_gate
from longloop.governance.near_duplicates import near_duplicate_indices
from longloop.governance.pii import find_pii, find_pii_full, redact
from longloop.governance.word_hashing import hash_words
from longloop.settings.params import GovernanceParams


def _found_pairs(rows, params):
    nd = params.near_duplicates
    words = hash_words([r["text"] for r in rows])
    found = {(i, j) for i, j, _ in near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)}
    for g in exact_duplicate_index_groups(words):
        found |= {(a, b) for k, a in enumerate(g) for b in g[k + 1 :]}
    return found


@pytest.mark.parametrize("median_tokens, sigma", [(400, 1.15), (60, 0.4), (1500, 0.3)])
def test_near_duplicate_precision_and_recall_on_planted_copies(median_tokens, sigma):
    rows, plants = generate_corpus_with_plants(
        900, seed=21, median_tokens=median_tokens, length_sigma=sigma, plant=("duplicates",)
    )
    index = {r["id"]: i for i, r in enumerate(rows)}
    truth = {tuple(sorted((index[a], index[b]))) for a, b in plants.exact_copies + plants.near_copies}
    assert len(plants.near_copies) == 30
    found = _found_pairs(rows, GovernanceParams())
    tp = len(found & truth)
    assert tp / len(found) >= 0.95 and tp / len(truth) >= 0.95
    near_truth = {tuple(sorted((index[a], index[b]))) for a, b in plants.near_copies}
    assert len(found & near_truth) / len(near_truth) >= 0.95  # the 3%-edited copies on their own


def test_lsh_finds_the_same_pairs_as_exhaustive_comparison():
    rows, _ = generate_corpus_with_plants(300, seed=22, median_tokens=150, plant=("duplicates",))
    params = GovernanceParams().near_duplicates
    words = hash_words([r["text"] for r in rows])
    sets = []
    for r in rows:
        w = [t for t in r["text"].lower().replace(".", " ").split()]
        sets.append({tuple(w[k : k + params.shingle_words]) for k in range(len(w) - params.shingle_words + 1)})
    exhaustive = {
        (i, j)
        for i in range(len(rows))
        for j in range(i + 1, len(rows))
        if len(sets[i] & sets[j]) >= params.threshold * len(sets[i] | sets[j])
    }
    lsh = {(i, j) for i, j, _ in near_duplicate_indices(words, params.threshold, params.num_perm, params.shingle_words)}
    assert exhaustive and lsh == exhaustive


def _records(rows, seed=3):
    return assign_splits([record_from_mapping(r, "t", 10**6) for r in rows], 0.2, 0.2, seed)


def test_every_planted_license_violation_is_caught():
    rows, plants = generate_corpus_with_plants(600, seed=23, median_tokens=80, plant=("licenses",))
    assert {r["license"] for r in rows if r["id"] in plants.licenses} <= set(BAD_LICENSES)
    report, _ = run_gate(_records(rows), GovernanceParams())
    license_check = report.to_dict()["checks"]["license"]
    flagged = set(license_check["denied"]) | set(license_check["unknown"])
    assert report.verdict == "fail" and set(plants.licenses) <= flagged
    quarantine = GovernanceParams.model_validate({"on_violation": "quarantine"})
    _, kept = run_gate(_records(rows), quarantine)
    assert not {r.id for r in kept} & set(plants.licenses)


@pytest.mark.parametrize("license_text", ["", "   ", "unknown", "see LICENSE", "GPL", "CC-BY-NC-4.0", "proprietary"])
def test_no_unlicensed_dataset_passes(license_text):
    rows = [{**r, "license": license_text} for r in generate_corpus_with_plants(40, seed=24, median_tokens=60)[0]]
    report, kept = run_gate(_records(rows), GovernanceParams())
    assert report.verdict == "fail" and report.to_dict()["checks"]["license"]["violations"] == len(rows)
    unknown_set_aside = GovernanceParams.model_validate({"licenses": {"unknown": "quarantine"}})
    report, kept = run_gate(_records(rows), unknown_set_aside)
    assert report.verdict == "fail"


def test_unknown_licenses_can_be_quarantined_by_policy():
    rows = generate_corpus_with_plants(60, seed=25, median_tokens=60)[0]
    rows[0] = {**rows[0], "license": "WTFPL"}
    params = GovernanceParams.model_validate({"licenses": {"unknown": "quarantine"}})
    report, kept = run_gate(_records(rows), params)
    assert report.verdict == "pass" and rows[0]["id"] in report.removed and len(kept) == 59


@pytest.mark.parametrize("kind", PII_KINDS)
def test_pii_recall_per_kind(kind):
    rng = np.random.default_rng(PII_KINDS.index(kind))
    filler = generate_corpus_with_plants(20, seed=26, median_tokens=60)[0]
    caught = 0
    for i in range(300):
        value = pii_value(rng, kind)
        words = filler[i % 20]["text"].split(" ")
        at = int(rng.integers(len(words)))
        before = " ".join(words[:at]) + " "
        text = before + value + " " + " ".join(words[at:])
        spans = [
            f for f in find_pii(text) if f.kind == kind and f.start < len(before) + len(value) and f.end > len(before)
        ]
        caught += bool(spans)
    assert caught / 300 >= 0.99


def test_planted_pii_in_the_demo_corpus_is_found_at_its_offsets():
    rows, plants = generate_corpus_with_plants(900, seed=27, median_tokens=200, plant=("pii",))
    text_of = {r["id"]: r["text"] for r in rows}
    assert {p["kind"] for p in plants.pii} == set(PII_KINDS)
    for p in plants.pii:
        assert any(
            f.kind == p["kind"] and f.start <= p["start"] and f.end >= p["end"] for f in find_pii(text_of[p["id"]])
        )
    clean = [r["text"] for r in rows if r["id"] not in {p["id"] for p in plants.pii}]
    assert sum(bool(find_pii(t)) for t in clean) == 0


def test_prefiltered_scan_equals_the_full_scan():
    rng = np.random.default_rng(5)
    base = generate_corpus_with_plants(30, seed=28, median_tokens=120)[0]
    noise = [
        "2024-01-15",
        "a-b",
        "x=1",
        "12:30",
        "user@x.org",
        "AKIAABCDEFGHIJKLMNOP",
        "call\n+1",
        "4111-",
        "::",
        "GB82",
        "token: abcdefghijklmnopqrstu",
        "1.2.3.4.5",
        "(415)",
    ]
    for t in range(400):
        words = base[t % 30]["text"].split(" ")
        for _ in range(int(rng.integers(1, 6))):
            piece = (
                noise[int(rng.integers(len(noise)))]
                if rng.random() < 0.6
                else pii_value(rng, PII_KINDS[int(rng.integers(7))])
            )
            words.insert(int(rng.integers(len(words) + 1)), piece)
        text = " ".join(words)
        assert find_pii(text) == find_pii_full(text)


def test_redaction_keeps_offsets_consistent_for_every_kind():
    rng = np.random.default_rng(9)
    values = [(kind, pii_value(rng, kind)) for kind in PII_KINDS]
    text = "start " + " then ".join(v for _, v in values) + " end"
    findings = find_pii(text)
    assert [f.kind for f in findings] == list(PII_KINDS)
    red, moved = redact(text, findings)
    assert [red[f.start : f.end] for f in moved] == [f"[{k.upper()}]" for k in PII_KINDS]
    # the text between findings is untouched, and unredacted offsets map back
    pieces_old = [text[a.end : b.start] for a, b in zip(findings, findings[1:])]
    pieces_new = [red[a.end : b.start] for a, b in zip(moved, moved[1:])]
    assert pieces_old == pieces_new and red.startswith("start ") and red.endswith(" end")
    assert find_pii(red) == []
