"""The contamination check in the gate: boilerplate cut by document frequency, copies still caught."""

import numpy as np
import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import Record
from longloop.governance.checks import ContaminationCheck
from longloop.governance.contamination import contamination_scan
from longloop.governance.gate import run_gate
from longloop.governance.word_hashing import hash_words
from longloop.settings.params import ConfigError, ContaminationParams, GovernanceParams, parse_params

ONLY = (ContaminationCheck(),)


def _rec(i, text, split="train"):
    return Record(id=str(i), text=text, label="x", license="MIT", source="s", split=split)


def _texts(n, stream, tokens=300, seed=31):
    return [d["text"] for d in generate_corpus(n, seed=seed, stream=stream, median_tokens=tokens, length_sigma=0.2)]


def _params(**contamination):
    return GovernanceParams.model_validate({"contamination": contamination})


def _insert(text: str, passage: str, where: float = 0.5) -> str:
    words = text.split(" ")
    cut = int(len(words) * where)
    return " ".join(words[:cut] + [passage] + words[cut:])


def _hits(report):
    return sorted((f.record_id, f.related[0]) for f in report.checks["contamination"].findings if not f.waived)


@pytest.fixture(scope="module")
def boilerplate_corpus():
    """100 documents (60 train, 40 held out); a 120-word paragraph (a license text, say) in 40 of them, in every
    split; one 200-word passage of test document t3 copied into training document 7."""
    texts = _texts(100, stream=1)
    paragraph = " ".join(_texts(1, stream=9, tokens=400)[0].split()[:120])
    splits = ["train"] * 60 + ["validation"] * 20 + ["test"] * 20
    records = []
    for i, (text, split) in enumerate(zip(texts, splits)):
        name = {"train": "", "validation": "v", "test": "t"}[split] + str(i if split == "train" else i % 20)
        records.append(_rec(name, _insert(text, paragraph, 0.3) if i % 5 < 2 else text, split))
    passage = " ".join(next(r for r in records if r.id == "t3").text.split()[60:260])
    records[7] = _rec("7", _insert(records[7].text, passage))
    return records


def test_boilerplate_in_many_documents_is_not_contamination(boilerplate_corpus):
    legacy, _ = run_gate(boilerplate_corpus, _params(max_document_frequency=None, min_passage_words=None), checks=ONLY)
    flagged_legacy = {f.record_id for f in legacy.checks["contamination"].findings}
    assert len(flagged_legacy) >= 20  # every training document with the paragraph

    report, _ = run_gate(boilerplate_corpus, GovernanceParams(), checks=ONLY)
    assert _hits(report) == [("7", "t3")]
    entry = report.to_dict()["checks"]["contamination"]
    assert entry["violations"] == 1 and entry["document_frequency_limit"] == 5
    assert entry["ngrams_cut"] >= 100  # the paragraph's 108 n-grams, reported as cut
    assert entry["records_flagged_without_cut"] > 1  # what the cut spared, in the same run


def test_the_cut_alone_separates_boilerplate_from_the_copy(boilerplate_corpus):
    report, _ = run_gate(boilerplate_corpus, _params(min_passage_words=None), checks=ONLY)
    assert _hits(report) == [("7", "t3")]


def test_200_token_passage_in_a_30000_token_training_document_is_caught_among_boilerplate():
    evaluation = _texts(20, stream=2, tokens=600)
    boiler = " ".join(_texts(1, stream=8, tokens=300)[0].split()[:80])
    filler = " ".join(_texts(70, stream=3, tokens=800)).split()
    passage = " ".join(evaluation[3].split()[50:250])
    assert len(passage.split()) == 200
    long_doc = " ".join(filler[:15_000] + [boiler] + passage.split() + filler[15_000:30_000])
    assert len(long_doc.split()) > 30_000
    others = [" ".join(filler[30_000 + 500 * i : 30_500 + 500 * i]) for i in range(12)]
    train = [_rec("long", long_doc)] + [_rec(f"c{i}", _insert(t, boiler)) for i, t in enumerate(others)]
    held = [_rec(f"e{i}", _insert(t, boiler) if i % 2 else t, "test") for i, t in enumerate(evaluation)]
    report, _ = run_gate(train + held, GovernanceParams(), checks=ONLY)
    assert _hits(report) == [("long", "e3")]
    hit = report.checks["contamination"].findings[0].detail
    assert hit.shared_ngrams >= 180  # the passage's 188 n-grams; the boilerplate around it is not counted
    assert report.checks["contamination"].summary.ngrams_cut >= 60


def test_copies_of_one_document_count_once_in_the_document_frequency():
    """Seven near-identical test documents (the binary packages of one source) hold a passage that a training
    document copies: eight documents, but two texts. Counted per document the passage looks like boilerplate."""
    base = _texts(1, stream=4, tokens=600)[0]
    family = [_rec(f"pkg{i}", base + f" built for flavour {i}", "test") for i in range(7)]
    others = [_rec(f"o{i}", t, "validation") for i, t in enumerate(_texts(10, stream=5))]
    passage = " ".join(base.split()[100:300])
    train = [_rec(f"tr{i}", t) for i, t in enumerate(_texts(30, stream=6))]
    train[4] = _rec("tr4", _insert(train[4].text, passage))
    records = train + others + family
    report, _ = run_gate(records, GovernanceParams(), checks=ONLY)
    assert _hits(report) == [("tr4", "pkg0")]  # the first holder owns the shared n-grams

    # what happens without the grouping: eight holders, over the limit of five
    words = hash_words([r.text for r in train]), hash_words([r.text for r in others + family])
    per_document = contamination_scan(*words, 13, 10, 5, min_passage_words=50)
    assert per_document.hits == [] and per_document.ngrams_cut >= 180


def test_scattered_stock_sentences_are_not_a_copy_but_a_passage_is():
    """A team's stock changelog lines: four 20-word sentences that two documents share, apart from each other."""
    stock = [" ".join(t.split()[:20]) for t in _texts(4, stream=7, tokens=100)]
    a, b = _texts(2, stream=10, tokens=1200)

    def spread(text):
        return " ".join(
            w + (" " + stock[k // 250] if k % 250 == 100 and k // 250 < 4 else "")
            for k, w in enumerate(text.split(" "))
        )

    records = [_rec("train-doc", spread(a)), _rec("test-doc", spread(b), "test")]
    scattered, _ = run_gate(records, _params(min_passage_words=None), checks=ONLY)
    assert _hits(scattered) == [("train-doc", "test-doc")]  # 4 x 8 shared 13-grams
    report, _ = run_gate(records, GovernanceParams(), checks=ONLY)
    assert _hits(report) == []

    passage = " ".join(b.split()[400:460])  # 60 words in a row
    records[0] = _rec("train-doc", _insert(records[0].text, passage, 0.8))
    report, _ = run_gate(records, GovernanceParams(), checks=ONLY)
    assert _hits(report) == [("train-doc", "test-doc")]


def test_a_passage_with_one_word_in_thirty_changed_is_one_passage():
    evaluation = _texts(5, stream=11, tokens=500)
    words = evaluation[2].split()[:210]
    edited = " ".join("changed" if k % 30 == 29 else w for k, w in enumerate(words))
    train = [_rec(f"tr{i}", t) for i, t in enumerate(_texts(10, stream=12))]
    train[0] = _rec("tr0", _insert(train[0].text, edited))
    records = train + [_rec(f"e{i}", t, "test") for i, t in enumerate(evaluation)]
    report, _ = run_gate(records, GovernanceParams(), checks=ONLY)
    assert _hits(report) == [("tr0", "e2")]  # stretches of 17 n-grams, bridged over each changed word


def test_a_short_evaluation_document_copied_whole_is_caught():
    question = " ".join(_texts(1, stream=13, tokens=100)[0].split()[:24])  # 24 words: 12 n-grams, under 50 words
    train = [_rec(f"tr{i}", t) for i, t in enumerate(_texts(10, stream=14))]
    train[3] = _rec("tr3", _insert(train[3].text, question))
    bench = [_rec("bench:q1", question, "test")]
    report, _ = run_gate(
        train + [_rec("e0", _texts(1, stream=15)[0], "test")], GovernanceParams(), benchmarks=bench, checks=ONLY
    )
    assert _hits(report) == [("tr3", "bench:q1")]


def test_document_frequency_limit_is_a_share_with_a_floor_or_a_count():
    share = ContaminationParams()
    assert share.document_frequency_limit(100) == 5  # 1% of 100 is 1: the floor of 5 holds
    assert share.document_frequency_limit(100_000) == 1000
    assert ContaminationParams.model_validate({"max_document_frequency": 12}).document_frequency_limit(10**6) == 12
    assert ContaminationParams.model_validate({"max_document_frequency": None}).document_frequency_limit(10) is None


@pytest.mark.parametrize("value", [0, 1, 1.0, 1.5, -0.1, True, "often"])
def test_a_bad_document_frequency_is_a_one_line_config_error(value):
    with pytest.raises(ConfigError) as err:
        parse_params({"governance": {"contamination": {"max_document_frequency": value}}})
    assert "governance.contamination.max_document_frequency" in str(err.value) and "\n" not in str(err.value)


def test_the_cut_is_exact_against_a_direct_count():
    """For every shared n-gram: cut exactly when more than ``limit`` documents (either side) hold it."""
    from longloop.governance.text_normalization import normalized_words

    rng = np.random.default_rng(4)
    pool = _texts(6, stream=16, tokens=120)
    phrases = [" ".join(t.split()[:30]) for t in pool]
    train = _texts(30, stream=17, tokens=150)
    held = _texts(15, stream=18, tokens=150)
    for docs in (train, held):
        for k in range(len(docs)):
            for p in rng.choice(len(phrases), size=int(rng.integers(0, 3)), replace=False).tolist():
                docs[k] = _insert(docs[k], phrases[p], float(rng.random()))

    def grams(text):
        w = normalized_words(text)
        return {tuple(w[i : i + 13]) for i in range(len(w) - 12)}

    sets_t, sets_e = [grams(t) for t in train], [grams(t) for t in held]
    shared = set().union(*sets_t) & set().union(*sets_e)
    holders = {g: sum(g in s for s in sets_t + sets_e) for g in shared}
    for limit in (2, 4, 7):
        scan = contamination_scan(hash_words(train), hash_words(held), 13, 10, limit)
        assert scan.ngrams_shared == len(shared)
        assert scan.ngrams_cut == sum(h > limit for h in holders.values())
