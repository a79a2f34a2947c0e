"""Batched prediction over whole documents with the same windows and pooling as training."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from longloop.training.batching import token_budget_batches
from longloop.training.collate import collate_windows
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier, ModelSpec
from longloop.training.quantization import is_reduced_precision
from longloop.training.windows import document_windows


@dataclass
class Predictions:
    labels: list[str]
    probabilities: np.ndarray  # [n, classes]
    logits: np.ndarray  # [n, classes]
    embeddings: np.ndarray  # [n, hidden]
    n_tokens: list[int]
    n_windows: list[int]


def window_documents(
    tokenizer: DocumentTokenizer, texts: list[str], spec: ModelSpec, max_tokens: int | None = None
) -> tuple[list[list[list[int]]], list[int]]:
    """Each document's windows as the model reads them, and its length in tokens (before any truncation).
    ``max_tokens`` (e.g. the first-512 baseline) overrides what the spec's architecture reads."""
    ids = tokenizer.encode_batch(texts)
    limit = max_tokens if max_tokens is not None else spec.max_document_tokens
    read = [i[:limit] for i in ids] if limit is not None else ids
    windows = [
        document_windows(i, spec.context_tokens, spec.window_stride, tokenizer.cls_id, tokenizer.sep_id) for i in read
    ]
    return windows, [len(i) for i in ids]


def _inference_batches(
    model: LongDocumentClassifier, docs: list[list[list[int]]], token_budget: int
) -> list[list[int]]:
    """Documents grouped into model calls: by the token budget, or one document per call for an int8 or bf16
    variant, whose results depend on the call's other documents and padding (training/quantization.py): a
    document's answer must not depend on its neighbours."""
    if is_reduced_precision(model):
        return [[i] for i in range(len(docs))]
    return token_budget_batches([[len(w) for w in d] for d in docs], token_budget, 0, 0, shuffle=False)


@torch.inference_mode()
def predict_documents(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    texts: list[str],
    token_budget: int = 16_384,
    max_tokens: int | None = None,
    temperature: float = 1.0,
) -> Predictions:
    model.eval()
    device = next(model.parameters()).device
    spec = model.spec
    docs, n_tokens = window_documents(tokenizer, texts, spec, max_tokens)
    logits = np.zeros((len(texts), len(spec.labels)), dtype=np.float32)
    emb = np.zeros((len(texts), model.hidden_size), dtype=np.float32)
    for batch in _inference_batches(model, docs, token_budget):
        wb = collate_windows([docs[i] for i in batch], tokenizer.pad_id).to(device)
        out, e = model(wb.input_ids, wb.attention_mask, wb.doc_index, wb.n_docs)
        logits[batch] = out.float().cpu().numpy()
        emb[batch] = e.float().cpu().numpy()
    scaled = logits / temperature
    probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return Predictions(
        [spec.labels[i] for i in probs.argmax(axis=1)], probs, logits, emb, n_tokens, [len(d) for d in docs]
    )
