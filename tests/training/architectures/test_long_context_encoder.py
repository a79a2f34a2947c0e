"""The native long-context encoder: ModernBERT built from the config (rotary positions, local layers between
global ones), documents over its context read in windows rather than cut, trained packed with no padding."""

import pytest
import torch

from longloop.corpus.splits import by_split
from longloop.settings.params import ModelParams
from longloop.training.architectures import build_model
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents
from tests.training.architectures.tiny_model import tiny_model_params

HEAD = " ".join(f"alpha{i % 7} beta{i % 5}" for i in range(40))
TAILS = ["gamma delta " * 200, "omega sigma " * 200]


def test_it_is_a_rotary_encoder_with_a_global_layer_every_nth_and_local_ones_between():
    tokenizer = DocumentTokenizer.train([HEAD, *TAILS], 200)
    mp = tiny_model_params("long_context_encoder", context_tokens=8192, window_stride=7168).model_copy(
        update={"num_layers": 6, "local_attention": 64, "global_attention_every": 3}
    )
    model = build_model(("a", "b"), tokenizer, mp)
    config = model.encoder.config
    assert config.model_type == "modernbert" and config.max_position_embeddings == 8192
    assert config.layer_types == ["full_attention", "sliding_attention", "sliding_attention"] * 2
    assert config.sliding_window == 32 and model.spec.packed


def test_a_document_longer_than_the_context_is_read_whole_in_windows():
    texts = [HEAD + " " + tail for tail in TAILS]
    tokenizer = DocumentTokenizer.train(texts * 3, 300)
    torch.manual_seed(0)
    model = build_model(("a", "b"), tokenizer, tiny_model_params("long_context_encoder", 128, 96)).eval()
    preds = predict_documents(model, tokenizer, texts)
    assert min(preds.n_windows) > 3 and min(preds.n_tokens) > 400
    assert not torch.allclose(torch.from_numpy(preds.logits[0]), torch.from_numpy(preds.logits[1]))


def test_it_refuses_a_pretrained_checkpoint_in_one_line():
    with pytest.raises(ValueError, match="long_context_encoder is built from its config"):
        ModelParams(architecture="long_context_encoder", pretrained_dir="/a/bert")


def test_its_folder_is_served_as_it_predicts(tmp_path):
    """The serving seam (the pyfunc model the server loads) answers as the trained model, packed attention and
    all, in fp32 and in the int8 variant."""
    from longloop.registry.pyfunc_model import LongloopPyfunc
    from longloop.training.model_io import save_model_dir

    texts = [HEAD + " " + tail for tail in TAILS]
    tokenizer = DocumentTokenizer.train(texts * 3, 300)
    torch.manual_seed(0)
    model = build_model(("a", "b"), tokenizer, tiny_model_params("long_context_encoder", 128, 96)).eval()
    folder = save_model_dir(model, tokenizer, tmp_path / "model")
    want = predict_documents(model, tokenizer, texts)
    served = LongloopPyfunc().load_folder(folder, quantize="off")
    assert served.model.spec.packed and served.predict_full(texts).labels == want.labels
    assert torch.allclose(torch.from_numpy(served.predict_full(texts).logits), torch.from_numpy(want.logits))
    int8 = LongloopPyfunc().load_folder(folder, quantize="int8")
    assert int8.precision == "int8" and len(int8.predict_full(texts).labels) == 2


def test_it_trains_on_real_tokens_only(tiny_params, demo_records, tmp_path):
    splits = by_split(demo_records)
    mp = tiny_params.model.model_copy(
        update={"architecture": "long_context_encoder", "context_tokens": 2048, "window_stride": 1792}
    )
    tp = tiny_params.training.model_copy(update={"max_steps": 6})
    model, _, result = fit_classifier(splits["train"], splits["validation"], mp, tp, 7, tmp_path, progress=False)
    assert model.spec.architecture == "long_context_encoder"
    assert result.real_token_fraction == 1.0 and result.steps == 6
