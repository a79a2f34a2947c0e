import numpy as np

from longloop.corpus.demo_corpus import generate_corpus
from longloop.evaluation.baselines import tfidf_baseline
from longloop.evaluation.ood_detection import ood_auroc
from longloop.evaluation.robustness import robustness_report


def test_ood_auroc_separates_confident_from_unsure_logits():
    rng = np.random.default_rng(0)
    confident = np.c_[rng.normal(4, 1, 300), rng.normal(-4, 1, 300)]
    unsure = rng.normal(0, 0.3, (300, 2))
    auroc = ood_auroc(confident, unsure)
    assert auroc["max_softmax"] > 0.95 and auroc["energy"] > 0.95
    same = ood_auroc(confident[:150], confident[150:])
    assert 0.35 < same["max_softmax"] < 0.65  # no shift: chance


def test_robustness_report_measures_the_drop_of_a_brittle_classifier():
    texts = [f"the word {'alpha' if i % 2 else 'omega'} decides this, among filler words here" for i in range(60)]
    labels = ["a" if i % 2 else "o" for i in range(60)]

    def exact_match(ts):  # brittle: needs the exact spelling
        return ["a" if " alpha " in t else "o" for t in ts]

    clean = float(np.mean([p == y for p, y in zip(exact_match(texts), labels)]))
    report = robustness_report(exact_match, texts, labels, clean, seed=0)
    assert clean == 1.0
    assert set(report["perturbations"]) == {
        "typos",
        "character_swaps",
        "drop_paragraphs",
        "shuffle_paragraphs",
        "distractor_phrase",
    }
    assert report["perturbations"]["distractor_phrase"]["drop"] == 0.0
    assert report["max_drop"] == max(v["drop"] for v in report["perturbations"].values())


def test_tfidf_baseline_is_trained_on_the_train_split_and_scored_on_the_test_split():
    rows = generate_corpus(500, seed=7)
    train, test = rows[:400], rows[400:]
    res = tfidf_baseline(
        [r["text"] for r in train],
        [r["label"] for r in train],
        [r["text"] for r in test],
        [r["label"] for r in test],
        ("billing", "outage"),
        seed=0,
    )
    assert 0.5 < res["accuracy"] <= 1.0 and len(res["predictions"]) == 100
    assert res["seconds_per_1000_documents"] > 0
