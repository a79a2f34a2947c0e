from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import Record
from longloop.governance.contamination import contamination_hits
from longloop.governance.exact_duplicates import exact_duplicate_groups
from longloop.governance.near_duplicates import near_duplicate_pairs


def _rec(i, text, split="train"):
    return Record(id=str(i), text=text, label="x", license="MIT", source="s", split=split)


def test_exact_duplicates_ignore_case_punctuation_and_spacing():
    groups = exact_duplicate_groups([_rec(1, "Hello,  World!"), _rec(2, "hello world"), _rec(3, "other")])
    assert [[r.id for r in g] for g in groups] == [["1", "2"]]


def test_near_duplicates_found_and_scored():
    docs = generate_corpus(40, seed=4, median_tokens=200)
    words = docs[0]["text"].split()
    edited = " ".join("zzq" if i % 40 == 0 else w for i, w in enumerate(words))
    recs = [_rec(i, d["text"]) for i, d in enumerate(docs)] + [_rec("copy", edited)]
    pairs = near_duplicate_pairs(recs, threshold=0.7)
    assert {(p.a, p.b) for p in pairs} == {("0", "copy")}
    assert 0.7 <= pairs[0].jaccard < 1.0


def test_passage_of_200_tokens_copied_into_30000_token_document_is_caught():
    evaluation = generate_corpus(20, seed=8, stream=1, median_tokens=600, length_sigma=0.1)
    passage = " ".join(evaluation[3]["text"].split()[50:250])
    filler = " ".join(
        r["text"] for r in generate_corpus(60, seed=8, stream=2, median_tokens=800, length_sigma=0.1)
    ).split()[:30_000]
    assert len(passage.split()) == 200
    long_doc = " ".join(filler[:15_000] + passage.split() + filler[15_000:])
    assert len(long_doc.split()) > 30_000
    hits = contamination_hits(
        [_rec("long", long_doc), _rec("clean", " ".join(filler[:5000]))],
        [_rec(f"e{i}", d["text"], "test") for i, d in enumerate(evaluation)],
    )
    assert [(h.train_id, h.eval_id) for h in hits] == [("long", "e3")]
    assert hits[0].shared_ngrams >= 150


def test_gate_checks_training_text_against_a_registered_benchmark_set():
    from longloop.corpus.splits import assign_splits
    from longloop.governance.gate import run_gate
    from longloop.settings.params import GovernanceParams

    rows = generate_corpus(80, seed=6, median_tokens=150)
    bench = [
        _rec(f"b{i}", d["text"], "test") for i, d in enumerate(generate_corpus(10, seed=6, stream=3, median_tokens=300))
    ]
    records = assign_splits([_rec(r["id"], r["text"], split=None) for r in rows], 0.2, 0.2, 6)
    first_train = next(i for i, r in enumerate(records) if r.split == "train")
    passage = " ".join(bench[4].text.split()[20:80])
    records[first_train] = _rec(records[first_train].id, records[first_train].text + " " + passage)
    clean, _ = run_gate(records, GovernanceParams())
    report, _ = run_gate(records, GovernanceParams(), benchmarks=bench)
    assert clean.to_dict()["checks"]["contamination"]["violations"] == 0
    hits = report.to_dict()["checks"]["contamination"]["hits"]
    assert [(h["train_id"], h["eval_id"]) for h in hits] == [(records[first_train].id, "b4")]


def _direct_contamination(train_texts, eval_texts, n=13, min_shared=10):
    """The definition, in plain Python: distinct n-grams, each owned by the first evaluation text holding it."""
    from longloop.governance.text_normalization import normalized_words

    def grams(text):
        w = normalized_words(text)
        return {tuple(w[k : k + n]) for k in range(len(w) - n + 1)}

    eval_sets = [grams(t) for t in eval_texts]
    owner = {}
    for e, s in enumerate(eval_sets):
        for g in s:
            owner.setdefault(g, e)
    hits = []
    for t, text in enumerate(train_texts):
        counts = {}
        for g in grams(text):
            if g in owner:
                counts[owner[g]] = counts.get(owner[g], 0) + 1
        for e in sorted(counts):
            k = counts[e]
            if k >= min(min_shared, len(eval_sets[e])):
                hits.append((t, e, k, round(k / max(1, len(eval_sets[e])), 4)))
    return hits


def test_contamination_equals_the_direct_count():
    import numpy as np

    from longloop.governance.contamination import contamination_indices
    from longloop.governance.word_hashing import hash_words

    rng = np.random.default_rng(3)
    evaluation = [d["text"] for d in generate_corpus(25, seed=9, stream=1, median_tokens=150)]
    evaluation.insert(0, " ".join(evaluation[5].split()[:16]))  # a short text (4 n-grams), first: it owns them
    evaluation.append(evaluation[2])  # a copy: the earlier one owns its n-grams
    train = [d["text"] for d in generate_corpus(40, seed=9, stream=2, median_tokens=150)]
    for t in range(0, 40, 2):  # passages of 5 to 40 words (below, at and above the threshold) spliced in
        src = evaluation[int(rng.integers(len(evaluation)))].split()
        length = int(rng.integers(5, 41))
        at = int(rng.integers(0, max(1, len(src) - length)))
        words = train[t].split()
        cut = int(rng.integers(len(words)))
        train[t] = " ".join(words[:cut] + src[at : at + length] + words[cut:])
    train.append(evaluation[0])  # the short text itself
    expected = _direct_contamination(train, evaluation)
    assert len(expected) >= 8 and (40, 0, 4, 1.0) in expected  # the short text's rule is exercised
    got = contamination_indices(hash_words(train), hash_words(evaluation))
    assert got == expected


def test_contamination_when_training_shares_far_more_ngrams_than_evaluation_holds():
    evaluation = [_rec("e0", generate_corpus(1, seed=12, median_tokens=100)[0]["text"], "test")]
    train = [_rec(f"t{i}", evaluation[0].text + f" tail {i}") for i in range(60)]
    hits = contamination_hits(train, evaluation)
    assert [h.train_id for h in hits] == [f"t{i}" for i in range(60)]
    assert {h.eval_coverage for h in hits} == {1.0}
