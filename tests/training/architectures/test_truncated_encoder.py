"""The truncated encoder reads the first ``context_tokens`` of a document, in training and in prediction, while
reporting the document's whole length; the windowed encoder reads everything."""

import torch

from longloop.training.architectures import build_model
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import predict_documents, window_documents
from tests.training.architectures.tiny_model import tiny_model_params

HEAD = " ".join(f"alpha{i % 7} beta{i % 5}" for i in range(40))  # about 80 words, well over 30 tokens
TAILS = ["gamma delta " * 200, "omega sigma " * 200]


def _model(architecture: str, tokenizer: DocumentTokenizer):
    torch.manual_seed(0)
    mp = tiny_model_params(architecture, context_tokens=32, window_stride=24)
    return build_model(("a", "b"), tokenizer, mp)


def test_what_follows_the_first_window_changes_nothing_for_the_truncated_encoder_only():
    texts = [HEAD + " " + tail for tail in TAILS]
    tokenizer = DocumentTokenizer.train(texts * 3, 300)
    truncated, windowed = _model("truncated_encoder", tokenizer), _model("windowed_encoder", tokenizer)
    assert truncated.spec.max_document_tokens == 30 and windowed.spec.max_document_tokens is None
    docs, n_tokens = window_documents(tokenizer, texts, truncated.spec)
    assert [len(d) for d in docs] == [1, 1] and all(len(d[0]) == 32 for d in docs)
    assert min(n_tokens) > 300  # the documents' real length, not what was read
    cut = predict_documents(truncated, tokenizer, texts)
    assert torch.allclose(torch.from_numpy(cut.logits[0]), torch.from_numpy(cut.logits[1]))
    assert cut.n_windows == [1, 1] and cut.n_tokens == n_tokens
    whole = predict_documents(windowed, tokenizer, texts)
    assert whole.n_windows[0] > 10 and not torch.allclose(
        torch.from_numpy(whole.logits[0]), torch.from_numpy(whole.logits[1])
    )
