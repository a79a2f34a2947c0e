"""A document's prediction does not depend on the documents it is batched with, nor on the token budget."""

from __future__ import annotations

import numpy as np
import pytest

from longloop.training.inference import predict_documents
from longloop.training.model_io import load_model_dir
from longloop.training.quantization import bf16_variant, is_reduced_precision, quantize_int8


@pytest.mark.parametrize("precision", ["fp32", "int8", "bf16"])
def test_a_document_gets_the_same_answer_alone_and_in_any_batch(trained_model_dir, demo_records, precision):
    model, tokenizer = load_model_dir(trained_model_dir)
    if precision == "int8":
        model = quantize_int8(model)
    if precision == "bf16":
        model = bf16_variant(model)
    assert is_reduced_precision(model) == (precision != "fp32")
    texts = [r.text for r in demo_records[:12]]
    # A loud neighbour: an int8 call quantises its activations with one scale for the whole call.
    loud = " ".join(["ZZZZ 9999 !!!!"] * 400)
    alone = [predict_documents(model, tokenizer, [t]) for t in texts[:4]]
    batched = predict_documents(model, tokenizer, [loud, *texts], token_budget=64)
    big_budget = predict_documents(model, tokenizer, [*texts, loud], token_budget=65_536)
    for i, single in enumerate(alone):
        for other, at in ((batched, i + 1), (big_budget, i)):
            assert other.labels[at] == single.labels[0]
            np.testing.assert_allclose(other.probabilities[at], single.probabilities[0], atol=1e-5)
