"""What this machine computes with: the CPU's name and instruction sets, and where bf16 runs natively.

Benchmarks print these beside every figure (speed-ups from bf16 or int8 differ between a CPU with AMX, one with
AVX-512-BF16 and one with AVX2 only), and the evaluation uses ``bf16_units`` to decide whether bf16 is worth timing.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import torch

# The flags that change which precision is fast: vector width, int8 dot products, bf16 units, matrix tiles.
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_name() -> str:
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cpu_isa_flags() -> list[str]:
    """Which of ``ISA_FLAGS`` this CPU reports (Linux; elsewhere an empty list)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("flags"):
            present = set(line.split(":", 1)[1].split())
            return [flag for flag in ISA_FLAGS if flag in present]
    return []


def bf16_units() -> str | None:
    """The hardware that runs bf16 products natively here: ``cuda``, a CPU flag (``amx_bf16``, ``avx512_bf16``),
    or None when bf16 would only be emulated (slower than fp32, so not worth timing)."""
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "cuda"
    flags = cpu_isa_flags()
    return next((flag for flag in _BF16_CPU_FLAGS if flag in flags), None)


def machine_summary() -> dict:
    """The machine as a benchmark reports it beside its figures."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": cpu_name(),
        "cpu_isa_flags": cpu_isa_flags(),
        "bf16_units": bf16_units(),
        "cores": os.cpu_count(),
        "gpu": gpu,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
    }
