"""Packed attention equals attention over each segment alone (values and gradients), never crosses a segment,
and a packed model answers exactly as the same model over padded windows."""

import pytest
import torch
from torch.nn import functional as F

from longloop.training.architectures import build_model
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import predict_documents
from longloop.training.model import LongDocumentClassifier
from longloop.training.packed_attention import pack_windows, packed_attention_forward
from tests.training.architectures.tiny_model import tiny_model_params

LENGTHS = [300, 5, 64, 129, 64, 1000]


class _Layer(torch.nn.Module):
    pass


def _dense_reference(q, k, v, lengths, sliding_window):
    segment = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    allowed = segment[:, None] == segment[None, :]
    if sliding_window is not None:
        pos = torch.arange(len(segment))
        allowed &= (pos[:, None] - pos[None, :]).abs() < sliding_window
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=0.25).transpose(1, 2)


@pytest.mark.parametrize("sliding_window", [None, 65, 9])
def test_packed_attention_equals_a_dense_block_diagonal_mask_with_its_gradients(sliding_window):
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, sum(LENGTHS), 16, requires_grad=True) for _ in range(3))
    cu = F.pad(torch.tensor(LENGTHS).cumsum(0), (1, 0)).to(torch.int32)
    layer = _Layer().eval()
    out, _ = packed_attention_forward(layer, q, k, v, None, 0.25, sliding_window=sliding_window, cu_seq_lens_q=cu)
    ref = _dense_reference(q, k, v, LENGTHS, sliding_window)
    assert out.shape == ref.shape and torch.allclose(out, ref, atol=1e-5)
    upstream = torch.randn_like(ref)
    got = torch.autograd.grad((out * upstream).sum(), (q, k, v))
    want = torch.autograd.grad((ref * upstream).sum(), (q, k, v))
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(got, want, strict=True))


def test_segments_first_seen_in_inference_mode_train_afterwards():
    """Validation (inference mode) and the next training step share cached index tables."""
    q, k, v = (torch.randn(1, 2, 200, 8, requires_grad=True) for _ in range(3))
    cu = torch.tensor([0, 77, 200], dtype=torch.int32)
    layer = _Layer()
    with torch.inference_mode():
        packed_attention_forward(
            layer, q.detach(), k.detach(), v.detach(), None, 0.3, sliding_window=11, cu_seq_lens_q=cu
        )
    out, _ = packed_attention_forward(layer.train(), q, k, v, None, 0.3, sliding_window=11, cu_seq_lens_q=cu)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


def test_pack_windows_keeps_only_real_tokens_with_positions_restarting():
    ids = torch.tensor([[7, 8, 9, 0], [4, 5, 0, 0]])
    mask = (ids != 0).long()
    packed, positions, cu, longest = pack_windows(ids, mask)
    assert packed.tolist() == [[7, 8, 9, 4, 5]] and positions.tolist() == [[0, 1, 2, 0, 1]]
    assert cu.tolist() == [0, 3, 5] and longest == 3


TEXTS = [" ".join(f"w{(i * 7 + j) % 40}" for j in range(60 + 25 * i)) for i in range(6)]


@pytest.fixture(scope="module")
def tokenizer():
    return DocumentTokenizer.train(TEXTS * 2, 120)


def _same_weights(model: LongDocumentClassifier, attention: str) -> LongDocumentClassifier:
    other = LongDocumentClassifier(type(model.spec)(**{**model.spec.__dict__, "attention": attention}))
    other.load_state_dict(model.state_dict())
    return other.eval()


@pytest.mark.parametrize("architecture", ["windowed_encoder", "long_context_encoder"])
def test_a_packed_model_answers_as_over_padded_windows(architecture, tokenizer):
    torch.manual_seed(0)
    mp = tiny_model_params(architecture, context_tokens=48, window_stride=32).model_copy(
        update={"attn_implementation": "packed", "local_attention": 8, "global_attention_every": 2, "num_layers": 2}
    )
    packed = build_model(("a", "b"), tokenizer, mp).eval()
    assert packed.spec.packed and packed.tokens_processed(10, 16) == 10
    padded = _same_weights(packed, "sdpa")
    got = predict_documents(packed, tokenizer, TEXTS, token_budget=400)
    want = predict_documents(padded, tokenizer, TEXTS, token_budget=400)
    assert max(got.n_windows) > 1  # documents over the context are read in windows
    assert torch.allclose(torch.from_numpy(got.logits), torch.from_numpy(want.logits), atol=1e-5)
    assert torch.allclose(torch.from_numpy(got.embeddings), torch.from_numpy(want.embeddings), atol=1e-5)


def test_no_attention_crosses_documents_in_a_packed_row(tokenizer):
    torch.manual_seed(0)
    mp = tiny_model_params("long_context_encoder", context_tokens=256, window_stride=200)
    model = build_model(("a", "b"), tokenizer, mp).eval()
    first = predict_documents(model, tokenizer, [TEXTS[0], TEXTS[1]], token_budget=10_000)
    changed = predict_documents(model, tokenizer, [TEXTS[0], TEXTS[4]], token_budget=10_000)
    alone = predict_documents(model, tokenizer, [TEXTS[0]], token_budget=10_000)
    assert torch.allclose(torch.from_numpy(first.logits[0]), torch.from_numpy(changed.logits[0]), atol=1e-6)
    assert torch.allclose(torch.from_numpy(first.logits[0]), torch.from_numpy(alone.logits[0]), atol=1e-6)
