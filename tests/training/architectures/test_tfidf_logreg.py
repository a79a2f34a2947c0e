"""The TF-IDF + logistic regression baseline as a servable model: fitted by scikit-learn's solver, the same
scores as scikit-learn computes from the same features, a model folder of safetensors and JSON (no pickle), and
the document embedding the drift job reads."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from longloop.corpus.splits import by_split
from longloop.evaluation.baselines import tfidf_baseline
from longloop.training.architectures import build_model
from longloop.training.architectures.tfidf_logreg import SKETCH_DIM, _feature_matrix
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents
from longloop.training.model_io import load_model_dir, save_model_dir
from tests.training.architectures.tiny_model import tiny_model_params


@pytest.fixture(scope="module")
def fitted(tiny_params, demo_records, tmp_path_factory):
    splits = by_split(demo_records)
    mp = tiny_params.model.model_copy(update={"architecture": "tfidf_logreg"})
    model, tok, result = fit_classifier(
        splits["train"], splits["validation"], mp, tiny_params.training, 7, tmp_path_factory.mktemp("tfidf")
    )
    return model, tok, result, splits


def test_it_learns_as_well_as_scikit_learns_baseline_and_reports_its_fit(fitted):
    model, tok, result, splits = fitted
    train, test = splits["train"], splits["test"]
    preds = predict_documents(model, tok, [r.text for r in test])
    accuracy = np.mean([p == r.label for p, r in zip(preds.labels, test, strict=True)])
    reference = tfidf_baseline(
        [r.text for r in train],
        [r.label for r in train],
        [r.text for r in test],
        [r.label for r in test],
        model.spec.labels,
        7,
    )
    # word n-grams there, WordPiece n-grams here: within two of the 19 test documents, and above chance
    assert accuracy > 0.5 and accuracy >= reference["accuracy"] - 0.11, (accuracy, reference["accuracy"])
    assert result.steps == 1 and result.real_token_fraction == 1.0 and result.tokens_per_second > 0
    assert 0 < result.val_accuracy <= 1 and result.precision == "fp32"
    assert preds.embeddings.shape == (len(test), SKETCH_DIM) and np.isfinite(preds.embeddings).all()


def test_fitting_again_gives_the_same_weights(fitted, tiny_params, tmp_path):
    model, _, _, splits = fitted
    mp = tiny_params.model.model_copy(update={"architecture": "tfidf_logreg"})
    again, _, _ = fit_classifier(splits["train"], splits["validation"], mp, tiny_params.training, 7, tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True))


def test_its_scores_are_scikit_learns_on_the_same_features(fitted):
    model, tok, _, splits = fitted
    texts = [r.text for r in splits["test"]]
    x = _feature_matrix(model, tok, texts, tfidf=True)
    assert np.allclose(np.asarray(x.multiply(x).sum(axis=1)).ravel(), 1.0, atol=1e-5)  # unit rows
    want = x @ model.weight.detach().numpy().T.astype(np.float64) + model.bias.detach().numpy()
    got = predict_documents(model, tok, texts).logits
    assert np.allclose(got, want, atol=1e-4)


def test_its_folder_is_safetensors_and_json_and_loads_to_the_same_answers(fitted, tmp_path):
    model, tok, _, splits = fitted
    folder = save_model_dir(model, tok, tmp_path / "model")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["checksums.json", "model.safetensors", "model_spec.json", "tokenizer.json"]
    assert {"idf", "weight", "bias"} <= set(load_file(str(folder / "model.safetensors")))
    assert json.loads((folder / "model_spec.json").read_text())["architecture"] == "tfidf_logreg"
    loaded, loaded_tok = load_model_dir(folder)
    texts = [r.text for r in splits["test"]]
    a, b = predict_documents(model, tok, texts), predict_documents(loaded, loaded_tok, texts)
    assert type(loaded).__name__ == "TfidfLogregClassifier" and np.allclose(a.logits, b.logits, atol=1e-6)


def test_served_as_asked_in_int8_it_answers_in_fp32_and_says_why(fitted, tmp_path):
    """Its products are sparse and in fp32: an "int8" copy would be the same model under another name."""
    from longloop.registry.pyfunc_model import LongloopPyfunc

    model, tok, _, splits = fitted
    folder = save_model_dir(model, tok, tmp_path / "model")
    served = LongloopPyfunc().load_folder(folder, quantize="int8")
    assert served.precision == "fp32" and "tfidf_logreg has no int8 variant" in served.precision_choice.reason
    texts = [r.text for r in splits["test"]]
    assert served.predict_full(texts).labels == predict_documents(model, tok, texts).labels


def test_a_document_is_read_whole_once_and_its_length_changes_its_features():
    texts = ["alpha beta gamma " * 400, "alpha beta gamma " * 5]
    tok = DocumentTokenizer.train(texts * 2, 100)
    model = build_model(("a", "b"), tok, tiny_model_params("tfidf_logreg", 64, 48))
    preds = predict_documents(model, tok, texts)
    assert preds.n_windows == [1, 1] and preds.n_tokens[0] > 1000
    counts = _feature_matrix(model, tok, texts, tfidf=False)
    assert counts[0].sum() == 2 * preds.n_tokens[0] - 1  # every unigram and every bigram once
    assert torch.equal(model.weight.detach(), torch.zeros_like(model.weight))  # built untrained
