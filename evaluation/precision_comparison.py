"""fp32 against a reduced-precision variant (int8, bf16) on the same documents: accuracy, macro-F1, speed and
agreement side by side."""

from __future__ import annotations

import copy
import time

from longloop.evaluation.classification_metrics import accuracy, macro_f1
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import Predictions, predict_documents
from longloop.training.model import LongDocumentClassifier
from longloop.training.quantization import REDUCED_PRECISIONS, bf16_variant, quantize_int8

WARM_UP_DOCUMENTS = 4


def reduced_precision_variant(model: LongDocumentClassifier, precision: str) -> LongDocumentClassifier:
    """A copy of the fp32 ``model`` in ``precision`` (the model itself is left as it was)."""
    if precision == "int8":
        return quantize_int8(model)
    if precision == "bf16":
        return bf16_variant(copy.deepcopy(model))
    raise ValueError(f"precision must be one of {', '.join(REDUCED_PRECISIONS)}, got {precision!r}")


def compare_with_fp32(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    texts: list[str],
    labels: list[str],
    precision: str,
    temperature: float = 1.0,
    repeats: int = 1,
) -> tuple[dict, Predictions]:
    """fp32 and its ``precision`` variant on ``texts`` after a warm-up of each, timed in turns (fp32, variant,
    fp32, variant, ...) so a machine that gets busier or quieter affects both alike; the fastest pass counts.

    Returns the comparison and the variant's predictions (temperature-scaled probabilities)."""
    if not texts:
        raise ValueError(f"the {precision} comparison needs at least one document")
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    variants = {"fp32": model, precision: reduced_precision_variant(model, precision)}
    for variant in variants.values():
        predict_documents(variant, tokenizer, texts[:WARM_UP_DOCUMENTS], temperature=temperature)
    seconds = {name: float("inf") for name in variants}
    preds: dict[str, Predictions] = {}
    for _ in range(max(1, repeats)):
        for name, variant in variants.items():
            start = time.perf_counter()
            preds[name] = predict_documents(variant, tokenizer, texts, temperature=temperature)
            seconds[name] = min(seconds[name], time.perf_counter() - start)
    label_set = model.spec.labels
    side = {
        name: {
            "accuracy": accuracy(labels, p.labels),
            "macro_f1": macro_f1(labels, p.labels, label_set),
            "seconds_per_1000_documents": 1000 * seconds[name] / len(texts),
            "documents_per_second": len(texts) / seconds[name],
        }
        for name, p in preds.items()
    }
    agreement = sum(a == b for a, b in zip(preds["fp32"].labels, preds[precision].labels)) / len(texts)
    return {
        "precision": precision,
        "n_documents": len(texts),
        "fp32": side["fp32"],
        precision: side[precision],
        "accuracy_drop": side["fp32"]["accuracy"] - side[precision]["accuracy"],
        "macro_f1_drop": side["fp32"]["macro_f1"] - side[precision]["macro_f1"],
        "speedup": seconds["fp32"] / seconds[precision],
        "agreement": agreement,
        "max_probability_difference": float(abs(preds["fp32"].probabilities - preds[precision].probabilities).max()),
    }, preds[precision]
