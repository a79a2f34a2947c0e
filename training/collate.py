"""Turn a batch of windowed documents into padded tensors plus the window-to-document index."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class WindowBatch:
    input_ids: torch.Tensor  # [windows, length]
    attention_mask: torch.Tensor  # [windows, length]
    doc_index: torch.Tensor  # [windows] -> position of the document in the batch
    n_docs: int
    real_tokens: int

    @property
    def padded_tokens(self) -> int:
        return int(self.input_ids.numel())

    def to(self, device: torch.device) -> "WindowBatch":
        return WindowBatch(self.input_ids.to(device), self.attention_mask.to(device), self.doc_index.to(device),
                           self.n_docs, self.real_tokens)


def collate_windows(docs: list[list[list[int]]], pad_id: int) -> WindowBatch:
    windows = [w for doc in docs for w in doc]
    length = max(len(w) for w in windows)
    ids = torch.full((len(windows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), length), dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, : len(w)] = torch.tensor(w, dtype=torch.long)
        mask[i, : len(w)] = 1
    doc_index = torch.tensor([d for d, doc in enumerate(docs) for _ in doc], dtype=torch.long)
    return WindowBatch(ids, mask, doc_index, len(docs), int(mask.sum()))
