"""The int8 variant of a trained classifier for cheaper CPU inference, and the rule that decides when to serve it.

The variant is built at load time from the fp32 safetensors weights with PyTorch's dynamic quantisation of every
``nn.Linear`` (int8 weights, activations quantised per model call on the fly, with one scale for the whole call),
so no quantised model is ever stored, pickled or unpickled. Because that scale comes from every token of the call,
an int8 model is called once per document (``is_int8``; training/inference.py): batched with other documents, a
document's confidence moved by up to 0.009 with its neighbours (measured on the real corpus), so the same document
got different answers from ``/predict`` and from ``longloop score``. Attention, embeddings, layer norms and GELU stay in fp32; how much faster the variant is
therefore depends on how much of the model's time its linear layers take (more for wide encoders on short
windows, less for narrow ones on long windows).
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from longloop.training.model import LongDocumentClassifier

QUANTIZE_MODES = ("auto", "off", "int8")
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


def is_int8(model: nn.Module) -> bool:
    """Whether ``model`` holds dynamically quantised linear layers (made by ``quantize_int8``)."""
    return any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in model.modules())


@dataclass(frozen=True)
class PrecisionChoice:
    precision: str  # "fp32" or "int8"
    reason: str


def choose_serving_precision(
    quantize: str, int8_evaluation: dict | None, max_int8_accuracy_drop: float
) -> PrecisionChoice:
    """Which variant to serve: ``off`` is fp32, ``int8`` is int8, ``auto`` is int8 only when the evaluation
    registered with the model measured an accuracy drop against fp32 within ``max_int8_accuracy_drop`` and
    int8 no slower than fp32 (an evaluation without a speed figure is judged on accuracy alone)."""
    if quantize not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_MODES)}, got {quantize!r}")
    if not 0 <= max_int8_accuracy_drop <= 1:
        raise ValueError(f"max_int8_accuracy_drop must be between 0 and 1, got {max_int8_accuracy_drop}")
    if quantize == "off":
        return PrecisionChoice("fp32", "quantize is off")
    if quantize == "int8":
        return PrecisionChoice("int8", "quantize is int8")
    if not int8_evaluation or "accuracy_drop" not in int8_evaluation:
        return PrecisionChoice("fp32", "auto: no int8 evaluation was registered with this model")
    drop = float(int8_evaluation["accuracy_drop"])
    speedup = int8_evaluation.get("speedup")
    # A narrow encoder on long windows spends most of its time in attention, which int8 leaves in fp32, while
    # quantising every activation costs extra: int8 can be slower, and then it saves nothing.
    if speedup is not None and not float(speedup) >= 1.0:  # NaN too: a speed not measured is no gain
        return PrecisionChoice(
            "fp32",
            f"auto: int8 ran at {float(speedup):.2f}x fp32's speed in the evaluation, so fp32 is the cheaper variant",
        )
    if drop <= max_int8_accuracy_drop + _DROP_TOLERANCE:
        return PrecisionChoice(
            "int8", f"auto: int8 lost {drop:.4f} test accuracy, within the limit of {max_int8_accuracy_drop:.4f}"
        )
    return PrecisionChoice(
        "fp32", f"auto: int8 lost {drop:.4f} test accuracy, over the limit of {max_int8_accuracy_drop:.4f}"
    )
