"""Data parallelism across processes started by torchrun (gloo on CPUs, NCCL on GPUs).

Every rank builds the same batch plan; an optimizer step's batches are dealt out across ranks, and one flat
all-reduce sums the gradients, so a step on N ranks equals the same step in one process with N times the
gradient accumulation, whatever the split (a rank left without a batch adds zeros). The process group is
set up by the entry point (`longloop.train_distributed`); this module only asks whether there is one.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def rank_and_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def all_reduce_gradients(params: list[torch.nn.Parameter]) -> None:
    if rank_and_world()[1] == 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for p, g in zip(params, grads):
        p.grad = flat[offset : offset + g.numel()].view_as(p)
        offset += g.numel()


def all_reduce_sums(values: list[float], device: torch.device) -> list[float]:
    if rank_and_world()[1] == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def barrier() -> None:
    if rank_and_world()[1] > 1:
        dist.barrier()
