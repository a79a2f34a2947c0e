import numpy as np
import pytest

from longloop.evaluation.perturbations import (
    DISTRACTOR,
    PERTURBATIONS,
    character_swaps,
    drop_paragraphs,
    perturb_all,
    shuffle_paragraphs,
    transliterate,
    typos,
)

TEXT = " ".join(f"Sentence number {i} talks about topic{i} at length." for i in range(40))


def test_each_perturbation_changes_text_and_is_reproducible():
    for name in PERTURBATIONS:
        a = perturb_all([TEXT, TEXT], name, seed=3)
        assert a == perturb_all([TEXT, TEXT], name, seed=3)
        assert a[0] != TEXT, name
        assert a != perturb_all([TEXT, TEXT], name, seed=4), name


def test_noise_edits_keep_length_and_most_words():
    rng = np.random.default_rng(0)
    for fn in (typos, character_swaps):
        out = fn(TEXT, rng, rate=0.1)
        assert len(out) == len(TEXT)
        same = sum(a == b for a, b in zip(out.split(" "), TEXT.split(" ")))
        assert 0.75 * len(TEXT.split(" ")) < same < len(TEXT.split(" "))


def test_order_edits_keep_or_drop_whole_sentences():
    rng = np.random.default_rng(1)
    sentences = set(TEXT.split(". "))
    shuffled = shuffle_paragraphs(TEXT, rng)
    assert sorted(shuffled) == sorted(TEXT) and shuffled != TEXT
    dropped = drop_paragraphs(TEXT, rng, fraction=0.2)
    kept = [s.rstrip(".") + "." for s in dropped.split(". ")]
    assert len(kept) == 32 and all(s.rstrip(".") in {x.rstrip(".") for x in sentences} for s in kept)
    assert drop_paragraphs("one sentence only", rng) == "one sentence only"  # never drops everything


def test_paragraph_text_is_split_by_paragraph_and_distractor_is_injected_whole():
    text = "\n\n".join(["first para. two sentences.", "second para.", "third para."])
    out = perturb_all([text], "distractor_phrase", seed=0)[0]
    assert DISTRACTOR in out.split("\n\n") and out.count("\n\n") == 3


@pytest.mark.parametrize("text", ["plain latin text", "MIXED Case words"])
def test_transliteration_changes_script(text):
    out = transliterate(text)
    assert out != text and len(out) == len(text)
    assert any(ord(c) > 127 for c in out)
