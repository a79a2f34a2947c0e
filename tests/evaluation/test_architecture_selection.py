"""model.architecture: auto: every candidate trained, measured on the validation split, and the one the stated
policy picks returned with its selection; a latency budget can make the cheap baseline the choice."""

import pytest

from longloop.corpus.splits import by_split
from longloop.evaluation.architecture_comparison import recommend
from longloop.evaluation.architecture_selection import select_architecture


@pytest.fixture(scope="module")
def selected(demo_records, tiny_params, tmp_path_factory):
    splits = by_split(demo_records)
    ep = tiny_params.evaluation.model_copy(update={"candidates": ("truncated_encoder", "tfidf_logreg")})
    steps: list[dict] = []
    picked = select_architecture(
        splits["train"],
        splits["validation"],
        tiny_params.model,
        tiny_params.training,
        ep,
        7,
        tmp_path_factory.mktemp("auto"),
        on_step=lambda step, metrics: steps.append(metrics),
        progress=False,
    )
    return picked, steps


def test_the_best_macro_f1_on_validation_is_kept_with_its_model(selected):
    (model, _, result, selection), steps = selected
    scores = {c.name: c for c in selection.candidates}
    assert list(scores) == ["truncated_encoder", "tfidf_logreg"] and selection.chosen in scores
    best = max(selection.candidates, key=lambda c: (c.macro_f1, -c.cost_per_1000_documents))
    assert selection.chosen == best.name == model.spec.architecture
    assert selection.reason.startswith("on validation: ") and result.steps >= 1
    assert all(c.ms_per_document > 0 and c.train_seconds > 0 for c in selection.candidates)
    # each candidate's step metrics under its own name
    assert any("truncated_encoder.train_loss" in m for m in steps) and any("tfidf_logreg.val_loss" in m for m in steps)
    assert selection.to_dict()["split"] == "validation"


def test_under_a_latency_budget_the_choice_follows_the_policy_on_its_own_measurements(
    selected, demo_records, tiny_params, tmp_path
):
    (_, _, _, first), _ = selected
    scores = {c.name: c for c in first.candidates}
    budget = (scores["tfidf_logreg"].ms_per_document + scores["truncated_encoder"].ms_per_document) / 2
    splits = by_split(demo_records)
    ep = tiny_params.evaluation.model_copy(
        update={"candidates": ("truncated_encoder", "tfidf_logreg"), "max_ms_per_document": budget}
    )
    model, _, _, selection = select_architecture(
        splits["train"], splits["validation"], tiny_params.model, tiny_params.training, ep, 7, tmp_path, progress=False
    )
    assert f"within {budget:g} ms per document" in selection.policy
    assert selection.chosen == recommend(selection.candidates, budget)[0] == model.spec.architecture
