"""The int8 and bf16 variants of the tiny trained model against fp32 on the same documents."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from longloop.corpus.splits import by_split
from longloop.evaluation.precision_comparison import compare_with_fp32
from longloop.training.model_io import load_model_dir
from longloop.training.quantization import quantize_int8


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_a_variant_agrees_with_fp32_on_most_documents(trained_model_dir, demo_records, precision):
    model, tokenizer = load_model_dir(trained_model_dir)
    splits = by_split(demo_records)
    docs = splits["test"] + splits["validation"]
    comparison, variant_preds = compare_with_fp32(
        model, tokenizer, [r.text for r in docs], [r.label for r in docs], precision, temperature=1.5
    )
    assert comparison["precision"] == precision
    assert comparison["n_documents"] == len(docs) == len(variant_preds.labels)
    assert comparison["agreement"] >= 0.9, comparison
    assert abs(comparison["accuracy_drop"]) <= 0.1, comparison
    assert comparison["max_probability_difference"] < 0.2, comparison
    for side in ("fp32", precision):
        assert 0 <= comparison[side]["accuracy"] <= 1 and comparison[side]["documents_per_second"] > 0
    assert comparison["speedup"] > 0
    assert comparison["accuracy_drop"] == pytest.approx(
        comparison["fp32"]["accuracy"] - comparison[precision]["accuracy"]
    )
    # the fp32 model it was compared with is left as it was
    assert all(
        type(m) is nn.Linear and m.weight.dtype == torch.float32 for m in model.modules() if isinstance(m, nn.Linear)
    )


def test_quantize_int8_replaces_every_linear_layer_and_keeps_the_model_usable(trained_model_dir):
    model, _ = load_model_dir(trained_model_dir)
    n_linear = sum(isinstance(m, nn.Linear) for m in model.modules())
    int8 = quantize_int8(model)
    quantized = [m for m in int8.modules() if type(m).__name__ == "Linear" and "quantized" in type(m).__module__]
    assert len(quantized) == n_linear and not any(type(m) is nn.Linear for m in int8.modules())
    assert int8.spec == model.spec and int8.hidden_size == model.hidden_size


def test_bad_comparison_inputs_are_refused_in_one_line(trained_model_dir):
    model, tokenizer = load_model_dir(trained_model_dir)
    with pytest.raises(ValueError, match="at least one document"):
        compare_with_fp32(model, tokenizer, [], [], "int8")
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        compare_with_fp32(model, tokenizer, ["a", "b"], ["x"], "bf16")
    with pytest.raises(ValueError, match="precision must be one of int8, bf16"):
        compare_with_fp32(model, tokenizer, ["a"], ["x"], "fp8")
