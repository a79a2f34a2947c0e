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
    def __init__(self, spec: ModelSpec, attn_implementation: str = "sdpa"):
        super().__init__()
        self.spec = spec
        config = AutoConfig.for_model(**spec.encoder_config)
        config.attention_probs_dropout_prob = 0.0
        self.encoder = AutoModel.from_config(config, attn_implementation=attn_implementation, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.head = nn.Linear(2 * config.hidden_size, len(spec.labels))

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
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1)
        index = doc_index.unsqueeze(-1)
        lowest = torch.finfo(hidden.dtype).min
        per_window_max = hidden.masked_fill(mask == 0, lowest).max(dim=1).values
        doc_max = torch.full((n_docs, hidden.shape[-1]), lowest, dtype=hidden.dtype, device=hidden.device)
        doc_max = doc_max.scatter_reduce(0, index.expand_as(per_window_max), per_window_max, reduce="amax")
        # Sums in fp32: a long document adds up thousands of bf16 values under autocast.
        sums = torch.zeros(doc_max.shape, dtype=torch.float32, device=hidden.device).index_add(
            0, doc_index, (hidden * mask).float().sum(dim=1)
        )
        counts = torch.zeros((n_docs, 1), dtype=torch.float32, device=hidden.device).index_add(
            0, doc_index, mask.sum(dim=1).float()
        )
        return torch.cat([doc_max, (sums / counts.clamp(min=1)).to(hidden.dtype)], dim=-1)

    def forward(self, input_ids, attention_mask, doc_index, n_docs) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.embed(input_ids, attention_mask, doc_index, n_docs)
        return self.head(self.dropout(emb)).float(), emb


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
