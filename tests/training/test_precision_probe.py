"""precision: auto on a CPU measures bf16 against fp32 on the model's own batch, once per machine and shape:
it decides by speed and gradient agreement, leaves the model as it was, and caches the measurement."""

import json

import torch

from longloop.training.architectures import build_model
from longloop.training.collate import collate_windows
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import window_documents
from longloop.training.precision_probe import MIN_GRADIENT_COSINE, MIN_SPEEDUP, decide, training_precision
from longloop.training.trainer import train_classifier
from tests.training.architectures.tiny_model import tiny_model_params

TEXTS = [" ".join(f"w{(i * 5 + j) % 30}" for j in range(40 + 10 * i)) for i in range(8)]


def _model_and_batch():
    tokenizer = DocumentTokenizer.train(TEXTS, 100)
    torch.manual_seed(0)
    model = build_model(("a", "b"), tokenizer, tiny_model_params("windowed_encoder", 64, 48))
    docs, _ = window_documents(tokenizer, TEXTS, model.spec)
    return model, tokenizer, collate_windows(docs, tokenizer.pad_id)


def test_bf16_is_chosen_only_when_faster_enough_and_its_gradients_agree():
    assert decide(MIN_SPEEDUP + 0.3, 0.999)[0] == "bf16"
    assert decide(MIN_SPEEDUP - 0.01, 0.999) == (
        "fp32",
        f"bf16 was only {MIN_SPEEDUP - 0.01:.2f}x fp32 here (needs 1.2x)",
    )
    assert decide(3.0, MIN_GRADIENT_COSINE - 0.01)[0] == "fp32"


def test_without_bf16_units_fp32_is_taken_without_a_measurement(tmp_path):
    model, _, batch = _model_and_batch()
    probe = training_precision(model, batch, units="", cache=tmp_path)
    assert probe.precision == "fp32" and probe.speedup is None and not (tmp_path / "training-precision.json").exists()


def test_the_probe_measures_once_leaves_the_model_as_it_was_and_is_cached(tmp_path):
    model, _, batch = _model_and_batch()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    rng = torch.get_rng_state()
    probe = training_precision(model, batch, units="avx512_bf16", cache=tmp_path)
    assert probe.precision in ("fp32", "bf16") and probe.fp32_seconds > 0 and probe.bf16_seconds > 0
    assert probe.gradient_cosine > 0.9 and probe.speedup == probe.fp32_seconds / probe.bf16_seconds
    assert probe.precision == decide(probe.speedup, probe.gradient_cosine)[0] and not probe.from_cache
    assert model.training and torch.equal(torch.get_rng_state(), rng)
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    again = training_precision(model, batch, units="avx512_bf16", cache=tmp_path)
    assert again.from_cache and again.precision == probe.precision and again.speedup == probe.speedup
    assert len(json.loads((tmp_path / "training-precision.json").read_text())) == 1


def test_the_trainer_under_auto_says_what_it_chose_and_why(tiny_params, tmp_path):
    model, tokenizer, _ = _model_and_batch()
    tp = tiny_params.training.model_copy(update={"precision": "auto", "max_steps": 2, "epochs": 1})
    labels = ["a", "b"] * 4
    result = train_classifier(model, tokenizer, TEXTS, labels, TEXTS[:2], labels[:2], tp, 7, tmp_path, progress=False)
    assert result.precision in ("fp32", "bf16") and result.precision_reason.startswith("auto: ")
