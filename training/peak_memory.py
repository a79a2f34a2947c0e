"""Peak memory of a stretch of work in this process: the GPU allocator's peak, or on the CPU the peak resident
set size (Linux's VmHWM, reset to the current size first), so each measured stretch starts from where it is."""

from __future__ import annotations

from pathlib import Path

import torch


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def resident_mb() -> float:
    """Memory held now: allocated on the GPU, or the resident set on the CPU."""
    return torch.cuda.memory_allocated() / 2**20 if torch.cuda.is_available() else _status_kb("VmRSS") / 1024


def reset_peak_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    else:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS


def peak_memory_mb() -> float:
    """The peak since the last ``reset_peak_memory``."""
    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else _status_kb("VmHWM") / 1024
