"""``training.precision: auto`` on a CPU: measure whether bf16 autocast pays on this machine, for this model.

Whether bf16 is faster depends on the CPU (AMX: 2.8x fp32 on matrix products; AVX-512-BF16 without AMX: 1.16x
end to end; AVX2 only: emulated, slower) and on the model's shape, so it is measured, not assumed. On a CPU
with bf16 units the trainer times a few forward and backward passes of its own first batch in fp32 and under
bf16 autocast, in turns, and compares the gradients: bf16 is chosen when it is at least ``MIN_SPEEDUP`` times
as fast and its gradient points the same way as fp32's (cosine at least ``MIN_GRADIENT_COSINE``). The result
is cached per machine and model shape, so the probe runs once. On a GPU with bf16 support bf16 is taken as
before; without bf16 units fp32, without a probe.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from longloop.corpus.atomic_files import write_json_atomic
from longloop.training.collate import WindowBatch
from longloop.training.hardware import bf16_units, cpu_isa_flags, cpu_name
from longloop.training.model import LongDocumentClassifier

MIN_SPEEDUP = 1.2  # bf16 must save a sixth of the step time to be worth its rounding
MIN_GRADIENT_COSINE = 0.99
PROBE_PASSES = 3


@dataclass(frozen=True)
class PrecisionProbe:
    precision: str  # fp32 | bf16
    reason: str
    bf16_units: str | None
    fp32_seconds: float | None = None  # fastest forward+backward of the probe batch
    bf16_seconds: float | None = None
    speedup: float | None = None
    gradient_cosine: float | None = None
    from_cache: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def cache_folder() -> Path:
    """``$LONGLOOP_CACHE_DIR``, else ``$XDG_CACHE_HOME/longloop``, else ``~/.cache/longloop``."""
    if os.environ.get("LONGLOOP_CACHE_DIR"):
        return Path(os.environ["LONGLOOP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "longloop"


def decide(speedup: float, gradient_cosine: float) -> tuple[str, str]:
    if gradient_cosine < MIN_GRADIENT_COSINE:
        return "fp32", f"bf16 gradients disagreed with fp32 (cosine {gradient_cosine:.4f} < {MIN_GRADIENT_COSINE})"
    if speedup < MIN_SPEEDUP:
        return "fp32", f"bf16 was only {speedup:.2f}x fp32 here (needs {MIN_SPEEDUP}x)"
    return "bf16", f"bf16 was {speedup:.2f}x fp32 here with gradient cosine {gradient_cosine:.4f}"


def _probe_key(model: LongDocumentClassifier, batch: WindowBatch, units: str) -> str:
    shape = {
        "cpu": cpu_name(),
        "flags": cpu_isa_flags(),
        "units": units,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "encoder": model.spec.encoder_config,
        "attention": model.spec.attention,
        # the batch's size to the nearest power of two: the kernels' speed-up depends on it, not on its tokens
        "tokens": 1 << max(0, int(model.tokens_processed(batch.real_tokens, batch.padded_tokens)).bit_length() - 1),
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _pass(model: LongDocumentClassifier, batch: WindowBatch, bf16: bool) -> tuple[float, torch.Tensor]:
    """One forward and backward pass: its seconds and the flattened gradient (the model's grads are reset)."""
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits, _ = model(batch.input_ids, batch.attention_mask, batch.doc_index, batch.n_docs)
    target = torch.zeros(batch.n_docs, dtype=torch.long)
    torch.nn.functional.cross_entropy(logits.float(), target).backward()
    seconds = time.perf_counter() - start
    grad = torch.cat([p.grad.flatten().float() for p in model.parameters() if p.grad is not None])
    model.zero_grad(set_to_none=True)
    return seconds, grad


def measure(model: LongDocumentClassifier, batch: WindowBatch) -> tuple[float, float, float]:
    """(fp32 seconds, bf16 seconds, gradient cosine): the fastest of ``PROBE_PASSES`` passes each, in turns,
    after one warm-up of each. Dropout is off (eval mode) so the two passes see the same network; the model's
    mode, gradients and the random number generator's state are as they were afterwards."""
    was_training, rng = model.training, torch.get_rng_state()
    model.eval()
    try:
        _, fp32_grad = _pass(model, batch, bf16=False)
        _, bf16_grad = _pass(model, batch, bf16=True)
        fp32_times, bf16_times = [], []
        for _ in range(PROBE_PASSES):
            fp32_times.append(_pass(model, batch, bf16=False)[0])
            bf16_times.append(_pass(model, batch, bf16=True)[0])
    finally:
        model.train(was_training)
        torch.set_rng_state(rng)
    cosine = float(torch.nn.functional.cosine_similarity(fp32_grad, bf16_grad, dim=0))
    return min(fp32_times), min(bf16_times), cosine


def training_precision(
    model: LongDocumentClassifier, batch: WindowBatch, units: str | None = None, cache: Path | None = None
) -> PrecisionProbe:
    """fp32 or bf16 for training ``model`` on this CPU (``units``: this machine's bf16 hardware, detected when
    not given), measured on ``batch`` once per machine and model shape and cached under ``cache``."""
    units = bf16_units() if units is None else units
    if not units or units == "cuda":
        return PrecisionProbe("fp32", "no bf16 units on this CPU: bf16 would be emulated", None)
    path = (cache or cache_folder()) / "training-precision.json"
    key = _probe_key(model, batch, units)
    try:
        known = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        known = {}  # an unreadable cache is measured again and rewritten
    if isinstance(known, dict) and isinstance(known.get(key), dict):
        return PrecisionProbe(**{**known[key], "from_cache": True})
    fp32_seconds, bf16_seconds, cosine = measure(model, batch)
    speedup = fp32_seconds / max(bf16_seconds, 1e-12)
    precision, reason = decide(speedup, cosine)
    probe = PrecisionProbe(precision, reason, units, fp32_seconds, bf16_seconds, speedup, cosine)
    try:
        write_json_atomic(path, {**(known if isinstance(known, dict) else {}), key: probe.to_dict()})
    except OSError:
        pass  # a read-only home: the measurement still decides this run
    return probe
