"""A native long-context encoder, ModernBERT-style, built from the config: rotary positions, so it reads up to
``model.context_tokens`` (8,192 or 16,384) tokens in one pass; every ``model.global_attention_every``-th layer
attends over the whole sequence, the others only ``model.local_attention`` tokens around each one. Documents
longer than the context are still read whole, in windows, never cut.

By default it trains and predicts packed (``attn_implementation: auto``): windows end to end with no padding,
attention kept inside each, and its local layers skipping the keys outside their window
(training/packed_attention.py), which is what makes the long context cheaper than full attention."""

from __future__ import annotations

from longloop.settings.params import ModelParams
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier, ModelSpec

NAME = "long_context_encoder"


def encoder_config(tokenizer: DocumentTokenizer, mp: ModelParams) -> dict:
    # Imported here: every process that loads the architecture registry (the CLI, servers) would pay its 0.4 s.
    from transformers import ModernBertConfig

    config = ModernBertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=mp.hidden_size,
        num_hidden_layers=mp.num_layers,
        num_attention_heads=mp.num_heads,
        intermediate_size=mp.intermediate_size,
        max_position_embeddings=mp.context_tokens,
        layer_types=[
            "full_attention" if i % mp.global_attention_every == 0 else "sliding_attention"
            for i in range(mp.num_layers)
        ],
        local_attention=mp.local_attention,
        pad_token_id=tokenizer.pad_id,
        cls_token_id=tokenizer.cls_id,
        sep_token_id=tokenizer.sep_id,
        bos_token_id=tokenizer.cls_id,
        eos_token_id=tokenizer.sep_id,
        attention_dropout=0.0,  # keeps SDPA on its fused kernels (and FlexAttention rejects it)
        embedding_dropout=mp.dropout,
        mlp_dropout=mp.dropout,
    )
    return config.to_dict()


def build(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    attention = "packed" if mp.attn_implementation == "auto" else mp.attn_implementation
    spec = ModelSpec(labels, mp.context_tokens, mp.window_stride, encoder_config(tokenizer, mp), NAME, None, attention)
    return LongDocumentClassifier(spec)
