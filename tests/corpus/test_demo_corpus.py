import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from longloop.corpus.demo_corpus import generate_corpus


def test_same_seed_same_records_and_streams_differ():
    a = generate_corpus(30, seed=3)
    assert a == generate_corpus(30, seed=3)
    assert a != generate_corpus(30, seed=3, stream=1)
    assert set(a[0]) == {"id", "text", "label", "license", "source"}


def test_lengths_are_skewed_like_real_documents():
    lengths = np.array([len(r["text"].split()) for r in generate_corpus(1500, seed=1)])
    assert 330 <= np.median(lengths) <= 480
    assert np.percentile(lengths, 90) > 1000
    assert np.percentile(lengths, 99) > 5000


def test_evidence_needs_the_whole_document():
    """On documents over 2,048 tokens the first 512 tokens are near chance; the whole text is not."""
    train = generate_corpus(600, seed=5, median_tokens=300)
    test = [r for r in generate_corpus(2500, seed=5, stream=9) if len(r["text"].split()) > 2048]
    assert len(test) > 80
    vec = CountVectorizer(binary=True, token_pattern=r"\w+")
    clf = LogisticRegression(C=10, max_iter=2000).fit(
        vec.fit_transform([r["text"] for r in train]), [r["label"] for r in train]
    )
    y = [r["label"] for r in test]
    whole = clf.score(vec.transform([r["text"] for r in test]), y)
    first = clf.score(vec.transform([" ".join(r["text"].split()[:512]) for r in test]), y)
    assert whole > 0.95
    assert first < 0.70


@pytest.mark.parametrize("shift", ["longer", "vocabulary", "alphabet", "label_prior"])
def test_shift_switches_change_the_batch(shift):
    base = generate_corpus(300, seed=2, stream=4)
    shifted = generate_corpus(300, seed=2, stream=4, shifts=(shift,))
    if shift == "longer":
        assert np.median([len(r["text"]) for r in shifted]) > 3 * np.median([len(r["text"]) for r in base])
    elif shift == "vocabulary":
        vocab = {w for r in base for w in r["text"].split()}
        new = sum(w not in vocab for r in shifted for w in r["text"].split())
        assert new > 0.2 * sum(len(r["text"].split()) for r in shifted)
    elif shift == "alphabet":
        assert sum(ord(c) > 127 for c in shifted[0]["text"]) > 0.3 * len(shifted[0]["text"])
    else:
        labels = [r["label"] for r in shifted]
        assert labels.count("billing") / len(labels) < 0.2


def test_planted_problems_are_present():
    rows = generate_corpus(300, seed=2, plant=("duplicates", "licenses", "pii"))
    texts = [r["text"] for r in rows]
    assert len(set(texts)) < len(texts)
    assert any(r["license"] in ("", "proprietary", "CC-BY-NC-4.0", "GPL-3.0", "All rights reserved") for r in rows)
    assert any("@example.com" in t or "+1 415" in t or "card " in t for t in texts)


def test_unknown_switch_is_refused():
    with pytest.raises(ValueError, match="unknown shift"):
        generate_corpus(5, shifts=("sideways",))
