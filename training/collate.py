"""Turn a batch of windowed documents into padded tensors plus the window-to-document index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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

    def to(self, device: torch.device, non_blocking: bool = False) -> WindowBatch:
        """On the device; ``non_blocking`` copies from pinned memory without waiting for the GPU's queue."""
        return WindowBatch(
            self.input_ids.to(device, non_blocking=non_blocking),
            self.attention_mask.to(device, non_blocking=non_blocking),
            self.doc_index.to(device, non_blocking=non_blocking),
            self.n_docs,
            self.real_tokens,
        )


def collate_windows(docs: list[list[list[int]]], pad_id: int, pin_memory: bool = False) -> WindowBatch:
    """Pad the windows of ``docs`` to the longest one.

    ``pin_memory`` puts the tensors in page-locked memory: a copy to a GPU from pageable memory waits for
    everything queued on the GPU first, which would stall every step.
    """
    windows = [w for doc in docs for w in doc]
    lengths = np.fromiter((len(w) for w in windows), dtype=np.int64, count=len(windows))
    ids = np.full((len(windows), int(lengths.max())), pad_id, dtype=np.int64)
    mask = np.arange(ids.shape[1]) < lengths[:, None]
    ids[mask] = np.concatenate([np.asarray(w, dtype=np.int64) for w in windows])
    doc_index = np.repeat(np.arange(len(docs)), [len(doc) for doc in docs])
    tensors = [torch.from_numpy(ids), torch.from_numpy(mask.astype(np.int64)), torch.from_numpy(doc_index)]
    if pin_memory:
        tensors = [t.pin_memory() for t in tensors]
    input_ids, attention_mask, doc_index_t = tensors
    return WindowBatch(input_ids, attention_mask, doc_index_t, n_docs=len(docs), real_tokens=int(lengths.sum()))
