"""The reduced-precision variants of a trained classifier for cheaper inference (int8, bf16), and the rule that
decides which one to serve.

The int8 variant is built at load time from the fp32 safetensors weights with PyTorch's dynamic quantisation of
every ``nn.Linear`` (int8 weights, activations quantised per model call on the fly, with one scale for the whole
call), so no quantised model is ever stored, pickled or unpickled. Attention, embeddings, layer norms and GELU stay
in fp32; how much faster the variant is therefore depends on how much of the model's time its linear layers take.
Because the scale comes from every token of the call, batched with other documents a document's confidence moved
by up to 0.009 with its neighbours (measured on the real corpus): the same document got different answers from
``/predict`` and from ``longloop score``.

The bf16 variant is the whole model cast to bfloat16 (attention included). It only pays on hardware with bf16
units (AMX, AVX-512-BF16, CUDA); elsewhere the products are emulated and slower, which the evaluation measures.
Its kernels are chosen by shape and round every product to bf16, so the padding a batch adds moved a MiniLM
document's probabilities by up to 0.003.

Both variants are therefore called once per document (``is_reduced_precision``; training/inference.py), which
cost 5% of bf16's speed on MiniLM and nothing measurable for int8 on the real corpus.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from longloop.training.model import LongDocumentClassifier

QUANTIZE_MODES = ("auto", "off", "fp32", "bf16", "int8")
REDUCED_PRECISIONS = ("int8", "bf16")
# Differences in the last bits of a float subtraction (0.9 - 0.89 is 0.0100000000000000089) must not decide.
_DROP_TOLERANCE = 1e-9


def quantize_int8(model: LongDocumentClassifier, inplace: bool = False) -> LongDocumentClassifier:
    """``model`` with its linear layers dynamically quantised to int8, on the CPU, in eval mode.

    Without ``inplace`` the fp32 model is left untouched (the evaluation compares both)."""
    if any(p.device.type != "cpu" for p in model.parameters()):
        raise ValueError("int8 dynamic quantisation runs on the CPU only; load the model with device='cpu'")
    target = model if inplace else copy.deepcopy(model)
    with warnings.catch_warnings():
        # torch.ao.quantization announces its move to torchao; the eager dynamic API still works in this torch
        # and needs no extra package, so the notice would only repeat on every load.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(target.eval(), {nn.Linear}, dtype=torch.qint8, inplace=True)


def bf16_variant(model: LongDocumentClassifier) -> LongDocumentClassifier:
    """``model`` cast to bfloat16 in place, in eval mode (the pooled embeddings and logits still come out fp32)."""
    return model.to(torch.bfloat16).eval()


def is_reduced_precision(model: nn.Module) -> bool:
    """Whether ``model`` is an int8 (``quantize_int8``) or bf16 (``bf16_variant``) variant."""
    return any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in model.modules()) or any(
        p.dtype == torch.bfloat16 for p in model.parameters()
    )


@dataclass(frozen=True)
class PrecisionChoice:
    precision: str  # "fp32", "bf16" or "int8"
    reason: str


def _not_slower(name: str, evaluation: dict) -> str | None:
    """Why ``name`` saves nothing, or None. A narrow encoder on long windows spends most of its time in attention,
    which int8 leaves in fp32, and bf16 is emulated without bf16 units: either can be slower than fp32."""
    speedup = evaluation.get("speedup")
    if speedup is not None and not float(speedup) >= 1.0:  # NaN too: a speed not measured is no gain
        return f"{name} ran at {float(speedup):.2f}x fp32's speed in the evaluation"
    return None


def _int8_refusal(evaluation: dict | None, max_drop: float) -> str | None:
    if not evaluation or "accuracy_drop" not in evaluation:
        return "no int8 evaluation was registered with this model"
    slower = _not_slower("int8", evaluation)
    if slower:
        return slower
    drop = float(evaluation["accuracy_drop"])
    if drop <= max_drop + _DROP_TOLERANCE:
        return None
    return f"int8 lost {drop:.4f} test accuracy, over the limit of {max_drop:.4f}"


def _bf16_refusal(evaluation: dict | None, min_agreement: float) -> str | None:
    if not evaluation or "agreement" not in evaluation:
        return "no bf16 evaluation was registered with this model"
    slower = _not_slower("bf16", evaluation)
    if slower:
        return slower
    agreement = float(evaluation["agreement"])
    if agreement + _DROP_TOLERANCE >= min_agreement:
        return None
    return f"bf16 agreed with fp32 on {agreement:.4f} of the test labels, under the minimum of {min_agreement:.4f}"


def choose_serving_precision(
    quantize: str,
    int8_evaluation: dict | None,
    max_int8_accuracy_drop: float,
    bf16_evaluation: dict | None = None,
    min_bf16_agreement: float = 0.999,
) -> PrecisionChoice:
    """Which variant to serve: ``off``/``fp32``, ``bf16`` and ``int8`` are served as named; ``auto`` serves the
    fastest variant the evaluation registered with the model allows: int8 when it lost at most
    ``max_int8_accuracy_drop`` accuracy against fp32, bf16 when it gave fp32's label on at least
    ``min_bf16_agreement`` of the test documents, either only when it was measured no slower than fp32 (an
    evaluation without a speed figure is judged on accuracy alone)."""
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_MODES)}, got {quantize!r}")
    if not 0 <= max_int8_accuracy_drop <= 1:
        raise ValueError(f"max_int8_accuracy_drop must be between 0 and 1, got {max_int8_accuracy_drop}")
    if not 0 <= min_bf16_agreement <= 1:
        raise ValueError(f"min_bf16_agreement must be between 0 and 1, got {min_bf16_agreement}")
    if quantize in ("off", "fp32"):
        return PrecisionChoice("fp32", f"quantize is {quantize}")
    if quantize != "auto":
        return PrecisionChoice(quantize, f"quantize is {quantize}")
    evaluations = {"int8": int8_evaluation, "bf16": bf16_evaluation}
    refusals = {
        "int8": _int8_refusal(int8_evaluation, max_int8_accuracy_drop),
        "bf16": _bf16_refusal(bf16_evaluation, min_bf16_agreement),
    }
    allowed = [name for name in REDUCED_PRECISIONS if refusals[name] is None]
    if not allowed:
        return PrecisionChoice("fp32", "auto: " + "; ".join(str(refusals[name]) for name in REDUCED_PRECISIONS))
    # The fastest one measured; without a speed figure, the order of REDUCED_PRECISIONS decides.
    best = max(allowed, key=lambda name: float((evaluations[name] or {}).get("speedup", 1.0)))
    evaluation = evaluations[best] or {}
    kept = (
        f"lost {float(evaluation['accuracy_drop']):.4f} test accuracy, within the limit of {max_int8_accuracy_drop:.4f}"
        if best == "int8"
        else f"agreed with fp32 on {float(evaluation['agreement']):.4f} of the test labels"
    )
    speed = f" at {float(evaluation['speedup']):.2f}x fp32's speed" if evaluation.get("speedup") is not None else ""
    return PrecisionChoice(best, f"auto: {best} {kept}{speed}")
