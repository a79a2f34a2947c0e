"""A long-document classifier: a transformers encoder over sliding windows, pooled per document.

The encoder is built from a config (tiny for tests, hundreds of millions of parameters on a GPU) or loaded
from a local checkpoint folder with its position range extended. Attention defaults to SDPA with attention
dropout 0, which keeps PyTorch on its fused, linear-memory kernels on the CPU too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, BertConfig

from longloop.training.packed_attention import pack_windows, register_packed_attention


@dataclass(frozen=True)
class ModelSpec:
    """What travels with a trained model (``model_spec.json``) and what training, evaluation, serving and the
    drift job read about it, rather than the configuration of the day."""

    labels: tuple[str, ...]
    context_tokens: int
    window_stride: int
    encoder_config: dict = field(default_factory=dict)  # a transformers config, as a dict
    architecture: str = "windowed_encoder"  # its builder in training/architectures
    # None: the whole document, in windows; N: only its first N tokens, in training as in prediction.
    max_document_tokens: int | None = None
    # "packed": windows laid end to end without padding (training/packed_attention.py); else a transformers
    # attention implementation over padded windows ("sdpa", "eager").
    attention: str = "sdpa"

    @property
    def packed(self) -> bool:
        return self.attention == "packed"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        limit = d.get("max_document_tokens")
        return cls(
            labels=tuple(d["labels"]),
            context_tokens=int(d["context_tokens"]),
            window_stride=int(d["window_stride"]),
            encoder_config=dict(d["encoder_config"]),
            architecture=str(d.get("architecture", "windowed_encoder")),  # folders written before the seam
            max_document_tokens=int(limit) if limit is not None else None,
            attention=str(d.get("attention", "sdpa")),
        )


def encoder_config_from_scratch(
    vocab_size: int, hidden: int, layers: int, heads: int, intermediate: int, context: int, dropout: float = 0.1
) -> dict:
    cfg = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=context,
        type_vocab_size=1,
        attention_probs_dropout_prob=0.0,
        hidden_dropout_prob=dropout,
    )
    return cfg.to_dict()


class LongDocumentClassifier(nn.Module):
    # The cheaper variants training/quantization.py can make of it for serving.
    reduced_precision_variants: tuple[str, ...] = ("int8", "bf16")

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        self._build(spec)

    def _build(self, spec: ModelSpec) -> None:
        """The layers: a transformers encoder and a linear head over the pooled embedding. An architecture that
        reads documents another way (tfidf_logreg) overrides this, ``embed`` or ``forward``."""
        config = AutoConfig.for_model(**spec.encoder_config)
        config.attention_probs_dropout_prob = 0.0
        implementation = register_packed_attention() if spec.packed else spec.attention
        extra = {"add_pooling_layer": False} if config.model_type == "bert" else {}
        self.encoder = AutoModel.from_config(config, attn_implementation=implementation, **extra)
        self.dropout = nn.Dropout(getattr(config, "hidden_dropout_prob", getattr(config, "mlp_dropout", 0.0)))
        self.head = nn.Linear(2 * config.hidden_size, len(spec.labels))

    def tokens_processed(self, real_tokens: int, padded_tokens: int) -> int:
        """How many token positions the encoder computes for a batch: only the real ones when packed."""
        return real_tokens if self.spec.packed else padded_tokens

    @property
    def hidden_size(self) -> int:
        """Width of the pooled document embedding (max and mean side by side)."""
        return self.head.in_features

    def embed(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, doc_index: torch.Tensor, n_docs: int
    ) -> torch.Tensor:
        """Pooled document embeddings ``[n_docs, 2 * hidden]``: the max and the mean over all of a document's
        tokens, across its windows.

        The max finds a short piece of evidence anywhere in a long document, but its gradient reaches only the
        arg-max tokens, so whether training ever starts depends on the initial weights (measured: a retraining
        on long documents stayed at chance for 5 epochs with one seed and learned with another). The mean sends
        gradient to every token, which gets the evidence tokens moving whatever the seed.
        """
        if self.spec.packed:
            ids, positions, cu, longest = pack_windows(input_ids, attention_mask)
            tokens = self.encoder(
                input_ids=ids,
                position_ids=positions,
                cu_seq_lens_q=cu,
                cu_seq_lens_k=cu,
                max_length_q=longest,
                max_length_k=longest,
            ).last_hidden_state[0]
            token_doc = doc_index.repeat_interleave(attention_mask.sum(dim=1))
            ones = torch.ones((tokens.shape[0], 1), dtype=torch.float32, device=tokens.device)
            return _pool(tokens, tokens.float(), ones, token_doc, n_docs)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1)
        per_window_max = hidden.masked_fill(mask == 0, torch.finfo(hidden.dtype).min).max(dim=1).values
        # Sums in fp32: a long document adds up thousands of bf16 values under autocast.
        sums = (hidden * mask).float().sum(dim=1)
        return _pool(per_window_max, sums, mask.sum(dim=1).float(), doc_index, n_docs)

    def forward(self, input_ids, attention_mask, doc_index, n_docs) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.embed(input_ids, attention_mask, doc_index, n_docs)
        return self.head(self.dropout(emb)).float(), emb


def _pool(
    maxes: torch.Tensor, sums: torch.Tensor, counts: torch.Tensor, index: torch.Tensor, n_docs: int
) -> torch.Tensor:
    """Per-document max and mean from per-part maxima, fp32 sums and token counts (parts: windows or tokens)."""
    lowest = torch.finfo(maxes.dtype).min
    doc_max = torch.full((n_docs, maxes.shape[-1]), lowest, dtype=maxes.dtype, device=maxes.device)
    doc_max = doc_max.scatter_reduce(0, index.unsqueeze(-1).expand_as(maxes), maxes, reduce="amax")
    doc_sums = torch.zeros(doc_max.shape, dtype=torch.float32, device=maxes.device).index_add(0, index, sums)
    doc_counts = torch.zeros((n_docs, 1), dtype=torch.float32, device=maxes.device).index_add(0, index, counts)
    return torch.cat([doc_max, (doc_sums / doc_counts.clamp(min=1)).to(maxes.dtype)], dim=-1)


def load_pretrained_encoder_config(folder: str | Path, context: int) -> dict:
    """A local checkpoint's config with its position range widened to ``context`` tokens."""
    config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    config.max_position_embeddings = max(config.max_position_embeddings, context)
    config.attention_probs_dropout_prob = 0.0
    return config.to_dict()


def init_from_pretrained(model: LongDocumentClassifier, folder: str | Path) -> None:
    """Copy a local checkpoint's weights in, tiling its position embeddings over the extended range."""
    pretrained = AutoModel.from_pretrained(str(folder), local_files_only=True)
    state = pretrained.state_dict()
    own = model.encoder.state_dict()
    for name, tensor in state.items():
        if name not in own:
            continue
        if "position_embeddings" in name and tensor.shape[0] < own[name].shape[0]:
            reps = -(-own[name].shape[0] // tensor.shape[0])
            tensor = tensor.repeat(reps, 1)[: own[name].shape[0]]
        if "position_ids" in name:
            continue
        if own[name].shape == tensor.shape:
            own[name] = tensor
    model.encoder.load_state_dict(own)
