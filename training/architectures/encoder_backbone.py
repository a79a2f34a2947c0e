"""The transformer encoder every architecture here puts under its classifier: built from the config (a BERT of
``model.hidden_size`` x ``model.num_layers``) or a local checkpoint (``model.pretrained_dir``) with its
position range extended to ``model.context_tokens``."""

from __future__ import annotations

from longloop.settings.params import ModelParams
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import (
    LongDocumentClassifier,
    ModelSpec,
    encoder_config_from_scratch,
    init_from_pretrained,
    load_pretrained_encoder_config,
)


def encoder_classifier(
    labels: tuple[str, ...],
    tokenizer: DocumentTokenizer,
    mp: ModelParams,
    architecture: str,
    max_document_tokens: int | None,
) -> LongDocumentClassifier:
    if mp.pretrained_dir:
        encoder = load_pretrained_encoder_config(mp.pretrained_dir, mp.context_tokens)
    else:
        encoder = encoder_config_from_scratch(
            tokenizer.vocab_size,
            mp.hidden_size,
            mp.num_layers,
            mp.num_heads,
            mp.intermediate_size,
            mp.context_tokens,
            mp.dropout,
        )
    attention = "sdpa" if mp.attn_implementation == "auto" else mp.attn_implementation
    spec = ModelSpec(labels, mp.context_tokens, mp.window_stride, encoder, architecture, max_document_tokens, attention)
    model = LongDocumentClassifier(spec)
    if mp.pretrained_dir:
        init_from_pretrained(model, mp.pretrained_dir)
    return model
