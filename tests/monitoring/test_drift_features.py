import numpy as np
import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.governance.text_normalization import normalized_words
from longloop.monitoring.drift_features import _bucket, document_features, document_words, non_ascii_letter_share

TEXTS = [
    "Hello, World! it's 3.14 -- snake_case and CamelCase; tabs\tand\nnewlines.",
    "Straße ΑΒΓ déjà-vu Ｆｕｌｌｗｉｄｔｈ ½ x²",
    "",
    "   ...   ",
    "a_b __init__ 42nd",
]


def test_document_words_is_normalized_words():
    docs = TEXTS + [r["text"] for r in generate_corpus(5, seed=3, shifts=("alphabet",))]
    for t in docs:
        assert document_words(t) == normalized_words(t)


def test_non_ascii_letter_share():
    assert non_ascii_letter_share("plain ascii 123") == 0.0
    assert non_ascii_letter_share("123 !!") == 0.0
    assert non_ascii_letter_share("αβ ab") == 0.5
    assert non_ascii_letter_share("é1é_a") == pytest.approx(2 / 3)
    for t in TEXTS[:2] + [r["text"] for r in generate_corpus(3, seed=3, shifts=("alphabet",))]:
        letters = [c for c in t if c.isalpha()]  # the definition: share of letters outside ASCII
        assert non_ascii_letter_share(t) == pytest.approx(sum(ord(c) > 127 for c in letters) / len(letters))


def test_features_match_a_per_word_computation():
    rows = [{"text": t, "n_tokens": len(t.split())} for t in TEXTS]
    rows += [{"text": r["text"], "n_tokens": len(r["text"].split())} for r in generate_corpus(6, seed=3, stream=1)]
    vocab = {"hello", "world", "and", "straße"} | set(normalized_words(rows[-1]["text"])[:50])
    f = document_features(rows, vocab, context_tokens=64, buckets=32)
    for i, r in enumerate(rows):
        ws = normalized_words(r["text"])
        expected_bag = np.zeros(32)
        for w in ws:
            expected_bag[_bucket(w, 32)] += 1 / len(ws)
        np.testing.assert_allclose(f["hashed_words"][i], expected_bag, atol=1e-6)
        assert f["oov_rate"][i] == (sum(w not in vocab for w in ws) / len(ws) if ws else 0.0)
    assert f["truncated"].tolist() == [float(r["n_tokens"] > 62) for r in rows]


def test_reference_vocabulary_comes_from_a_hash_chosen_half_that_ignores_row_order():
    from longloop.monitoring.drift_features import reference_vocabulary, text_digest, training_vocabulary

    texts = [r["text"] for r in generate_corpus(40, seed=3, stream=2)]
    texts += [texts[0]] * 5  # copies of one text stay on one side: none can be held out with a twin as a source
    vocab, sources = reference_vocabulary(texts)
    assert (vocab, sources) == reference_vocabulary(texts[::-1])
    by_side = [text_digest(t) in sources for t in texts]
    assert len(set(by_side[-6:])) == 1 and by_side[0] == by_side[-1]
    assert 45 * 0.5 <= sum(by_side) < 45 * 0.5 + 6  # about half, stopping at the first group past it
    assert set(vocab) == set(training_vocabulary([t for t, s in zip(texts, by_side) if s]))
    assert reference_vocabulary(["same"] * 4)[1] == {text_digest("same")}  # one distinct text: nothing to hold out
    assert len(reference_vocabulary(["a b", "c d"])[1]) == 1  # two: one builds, one is measured


def test_documents_the_vocabulary_came_from_get_no_oov_rate():
    from longloop.monitoring.drift_features import text_digest

    rows = [{"text": t, "n_tokens": len(t.split())} for t in ("alpha beta", "gamma delta", "alpha zeta")]
    f = document_features(rows, {"alpha", "beta"}, 64, 16, vocabulary_sources={text_digest("alpha beta")})
    assert np.isnan(f["oov_rate"][0]) and f["oov_rate"][1:].tolist() == [1.0, 0.5]
    assert document_features(rows, {"alpha"}, 64, 16)["oov_rate"].tolist() == [0.5, 1.0, 0.5]
