"""fp32 against its int8 variant on the same documents: accuracy, macro-F1, speed and agreement side by side."""

from __future__ import annotations

import time

from longloop.evaluation.classification_metrics import accuracy, macro_f1
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import Predictions, predict_documents
from longloop.training.model import LongDocumentClassifier
from longloop.training.quantization import quantize_int8

WARM_UP_DOCUMENTS = 4


def compare_int8_with_fp32(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    texts: list[str],
    labels: list[str],
    temperature: float = 1.0,
    repeats: int = 1,
) -> tuple[dict, Predictions]:
    """Both variants on ``texts`` after a warm-up of each, timed in turns (fp32, int8, fp32, int8, ...) so a
    machine that gets busier or quieter affects both alike; the fastest pass of each counts.

    Returns the comparison and the int8 predictions (temperature-scaled probabilities)."""
    if not texts:
        raise ValueError("the int8 comparison needs at least one document")
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    int8 = quantize_int8(model)
    variants = {"fp32": model, "int8": int8}
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
    agreement = sum(a == b for a, b in zip(preds["fp32"].labels, preds["int8"].labels)) / len(texts)
    return {
        "n_documents": len(texts),
        "fp32": side["fp32"],
        "int8": side["int8"],
        "accuracy_drop": side["fp32"]["accuracy"] - side["int8"]["accuracy"],
        "macro_f1_drop": side["fp32"]["macro_f1"] - side["int8"]["macro_f1"],
        "speedup": seconds["fp32"] / seconds["int8"],
        "agreement": agreement,
        "max_probability_difference": float(abs(preds["fp32"].probabilities - preds["int8"].probabilities).max()),
    }, preds["int8"]
