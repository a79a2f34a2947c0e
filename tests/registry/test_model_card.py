from longloop.registry.model_card import model_card_markdown

BASE = {
    "accuracy": 0.98,
    "macro_f1": 0.97,
    "ece": 0.01,
    "ece_uncalibrated": 0.03,
    "temperature": 1.2,
    "by_length": {"0-512": {"accuracy": 1.0, "count": 30}, ">2048": {"accuracy": 0.9, "count": 10}},
}
SNAPSHOT = {"md5": "abc123", "path": "data.jsonl", "remote": "/r"}
DATA = {"records": 40, "verdict": "pass", "licenses": {"MIT": 40}}


def test_card_reports_robustness_ood_and_the_comparisons():
    metrics = {
        **BASE,
        "ood_auroc_max_softmax": 0.81,
        "ood_auroc_energy": 0.93,
        "robustness": {
            "perturbations": {
                "typos": {"accuracy": 0.95, "drop": 0.03},
                "distractor_phrase": {"accuracy": 0.98, "drop": 0.0},
            },
            "max_drop": 0.03,
            "worst": "typos",
        },
        "comparisons": {
            "long_documents": {"min_tokens": 2049, "count": 10},
            "full_context": {"accuracy": 0.98, "macro_f1": 0.97, "long_documents_accuracy": 0.9},
            "first_512_tokens": {"accuracy": 0.8, "macro_f1": 0.79, "long_documents_accuracy": 0.5},
            "tfidf_logistic_regression": {"accuracy": 0.9, "macro_f1": 0.9, "long_documents_accuracy": None},
        },
    }
    card = model_card_markdown("m", ("a", "b"), SNAPSHOT, DATA, metrics)
    assert "| typos | 0.950 | +0.030 |" in card and "Worst drop +0.030 (typos)" in card
    assert "energy 0.930" in card
    assert "| this model, first 512 tokens | 0.800 | 0.790 | 0.500 |" in card
    assert "| TF-IDF + logistic regression | 0.900 | 0.900 | n/a |" in card
    assert "restore-data --md5 abc123" in card and "MIT (40)" in card


def test_card_without_the_extra_evaluations_has_no_empty_sections():
    card = model_card_markdown("m", ("a", "b"), SNAPSHOT, DATA, BASE)
    assert "Robustness" not in card and "long context" not in card
    assert "| >2048 | 0.900 | 10 |" in card
