import numpy as np

from longloop.corpus.demo_corpus import generate_corpus
from longloop.governance.text_normalization import normalized_words
from longloop.governance.word_hashing import hash_words, ngram_hashes

TEXTS = [r["text"] for r in generate_corpus(60, seed=4, median_tokens=120)] + [
    "Héllo, WORLD! ﬁne café user42 a_1b x9",
    "ab",
    "Hello world",
    "ÅNGSTRÖM—test 12ab",
    "abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrstuvwxyz0123456788 abcdefgh abcdefghi",
    "...",
]


def test_word_hashes_follow_the_shared_normalisation():
    words = hash_words(TEXTS, threads=2)
    seen: dict[str, int] = {}
    for i, text in enumerate(TEXTS):
        expected = normalized_words(text)
        got = words.doc(i).tolist()
        assert len(got) == len(expected)
        for w, h in zip(expected, got):
            assert seen.setdefault(w, h) == h  # one word, one hash, wherever it sits
    assert len(set(seen.values())) == len(seen)  # different words, different hashes
    id_like = {
        w
        for i, t in enumerate(TEXTS)
        for w, f in zip(normalized_words(t), words.id_like[words.offsets[i] : words.offsets[i + 1]])
        if f
    }
    assert {"user42", "a_1b", "12ab"} <= id_like and "x9" not in id_like and "world" not in id_like


def test_ngram_hashes_match_python_ngrams_and_subsets_keep_documents():
    words = hash_words(TEXTS)
    for n, whole in ((3, True), (13, False)):
        grams, offsets = ngram_hashes(words, n, short_docs_whole=whole)
        seen: dict[tuple, int] = {}
        for i, text in enumerate(TEXTS):
            w = normalized_words(text)
            expected = [tuple(w[j : j + n]) for j in range(len(w) - n + 1)] or ([tuple(w)] if whole and w else [])
            got = grams[offsets[i] : offsets[i + 1]].tolist()
            assert len(got) == len(expected)
            for g, h in zip(expected, got):
                assert seen.setdefault(g, h) == h
        assert len(set(seen.values())) == len(seen)
    part = words.subset(np.array([5, 1, 63]))
    assert [part.doc(k).tolist() for k in range(3)] == [words.doc(i).tolist() for i in (5, 1, 63)]


def test_texts_with_more_words_than_expected_grow_the_output():
    texts = ["a b " * 3000, "¼" * 2000, "Hello there"]  # a word per two characters; NFKC turns ¼ into 1⁄4
    words = hash_words(texts, threads=2)
    assert [len(words.doc(i)) for i in range(3)] == [len(normalized_words(t)) for t in texts]
    alone = [hash_words([t], threads=1).hashes.tolist() for t in texts]
    assert [words.doc(i).tolist() for i in range(3)] == alone
