"""Every name ``model.architecture`` accepts has a builder, and its models say what they are and read."""

import json
import typing

import pytest

from longloop.settings.params import Architecture, ModelParams
from longloop.training.architectures import ARCHITECTURES, build_model
from longloop.training.architectures.tfidf_logreg import WHOLE_DOCUMENT
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model_io import load_model_dir, save_model_dir
from tests.training.architectures.tiny_model import tiny_model_params

TEXTS = [f"document {i} about topic {i % 3} with some words that repeat and repeat" for i in range(30)]


@pytest.fixture(scope="module")
def tokenizer():
    return DocumentTokenizer.train(TEXTS, 200)


def test_the_config_accepts_exactly_the_registered_architectures_and_auto():
    assert set(typing.get_args(Architecture)) == set(ARCHITECTURES)
    assert ModelParams(architecture="auto").architecture == "auto"
    with pytest.raises(ValueError, match="architecture"):
        ModelParams(architecture="longformer")


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_a_built_model_carries_its_architecture_through_its_folder(name, tokenizer, tmp_path):
    mp = tiny_model_params(name, context_tokens=64, window_stride=48)
    model = build_model(("a", "b"), tokenizer, mp)
    assert model.spec.architecture == name
    # the encoders read the configured context; tfidf_logreg reads each document as one whole window
    assert model.spec.context_tokens == (64 if name != "tfidf_logreg" else WHOLE_DOCUMENT)
    loaded, _ = load_model_dir(save_model_dir(model, tokenizer, tmp_path / "model"))
    assert json.loads(json.dumps(loaded.spec.to_dict())) == json.loads(json.dumps(model.spec.to_dict()))
