"""Long-context architectures side by side on long demo documents and on real text, in one run.

Prints one JSON object (and writes it to ``--out`` when given). For each dataset every variant below is trained
and tested on the same split by the architecture report's own machinery (``evaluation.architecture_comparison``,
each transformer in a fresh process of its own, so its peak memory is its own):

* ``windowed_encoder``: a BERT over 1,024-token windows (``--window``), padded windows, SDPA;
* ``windowed_encoder_packed``: the same, packed (``attn_implementation: packed``): no padding;
* ``truncated_encoder``: the same BERT on the first window only;
* ``long_context_encoder``: the native long-context encoder (ModernBERT from the config, RoPE, a global layer
  every third and 128-token local windows in the others) at ``--context`` tokens (8,192), packed, blocked local
  attention;
* ``full_attention_encoder``: the same encoder, the same size, every layer global: its baseline;
* ``tfidf_logreg``: TF-IDF + logistic regression, the traditional baseline as a servable architecture (token
  uni- and bigrams); ``tfidf_reference`` beside it is scikit-learn's pipeline on word uni- and bigrams, the
  reference the promotion gate's baseline rule uses (accuracy and macro-F1 only).

Each entry: ``tokens_per_second`` (real tokens per second inside training steps; the baseline: words per second
of its fit), ``real_token_fraction``, ``peak_memory_mb`` (training and testing, over the child's start),
``macro_f1`` and ``macro_f1_over_2048`` (documents over 2,048 tokens), ``seconds_per_1000_documents`` (inference)
and more. The datasets: ``demo_long``, the demo generator with long documents (median ``--median-tokens``), and
``real``, this machine's Debian changelogs (``corpus/debian_changelogs.py``, labelled by Debian section).

``precision``: the trainer's bf16 autocast against fp32 (``training/precision_probe.measure``: fastest forward and
backward pass of one batch, in turns) for the windowed and the long-context encoder, and the served bf16 and int8
variants against fp32 (``evaluation/precision_comparison``: speed-up and label agreement) of a windowed encoder
trained here on the demo documents. ``goals`` puts each of the issue's goals beside its measured figure, and
``machine`` the CPU and its ISA flags (the speed-ups depend on them: AMX, AVX-512-BF16 or AVX2 only).

``python benchmarks/long_context_architectures.py [--quick] [--no-real] [--variants a,b] [--no-precision]
[--out FILE]``; ``--variants`` and ``--no-precision`` measure a subset (e.g. the native encoder against its
full-attention twin at 8,192 tokens: ``--variants long_context_encoder,full_attention_encoder --no-real
--no-precision --median-tokens 6000 --documents 80 --epochs 2``). ``--quick`` (fewer and
shorter documents, changelogs cut to their newest 8,000 characters, 2 epochs, a 4,096-token context) is meant
to take under 10 minutes on 2 cores (measured: 13.3 minutes with 120 demo documents and 30,000 characters, 12.3
with 100 and 15,000).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from longloop.corpus.debian_changelogs import build_debian_corpus  # noqa: E402
from longloop.corpus.demo_corpus import generate_corpus  # noqa: E402
from longloop.corpus.records import Record, record_from_mapping  # noqa: E402
from longloop.corpus.splits import assign_splits, by_split  # noqa: E402
from longloop.evaluation.architecture_comparison import (  # noqa: E402
    CandidateResult,
    candidate_model_params,
    compare_architectures,
)
from longloop.evaluation.baselines import tfidf_baseline  # noqa: E402
from longloop.evaluation.precision_comparison import compare_with_fp32  # noqa: E402
from longloop.settings.params import EvaluationParams, ModelParams, TrainingParams  # noqa: E402
from longloop.training.architectures import build_model  # noqa: E402
from longloop.training.collate import collate_windows  # noqa: E402
from longloop.training.document_tokenizer import DocumentTokenizer  # noqa: E402
from longloop.training.fit import fit_classifier  # noqa: E402
from longloop.training.hardware import bf16_units, machine_summary  # noqa: E402
from longloop.training.inference import window_documents  # noqa: E402
from longloop.training.precision_probe import measure  # noqa: E402

# label -> (architecture, model settings over the shared ones)
VARIANTS: dict[str, tuple[str, dict]] = {
    "windowed_encoder": ("windowed_encoder", {"attn_implementation": "sdpa"}),
    "windowed_encoder_packed": ("windowed_encoder", {"attn_implementation": "packed"}),
    "truncated_encoder": ("truncated_encoder", {"attn_implementation": "sdpa"}),
    "long_context_encoder": ("long_context_encoder", {}),
    "full_attention_encoder": ("long_context_encoder", {"global_attention_every": 1}),
    "tfidf_logreg": ("tfidf_logreg", {}),
}


def demo_long(n: int, median_tokens: int, seed: int) -> list[Record]:
    rows = generate_corpus(n, seed=seed, median_tokens=median_tokens, length_sigma=0.8, max_tokens=6 * median_tokens)
    return assign_splits([record_from_mapping(r, "demo", 10**7) for r in rows], 0.15, 0.2, seed)


def real_changelogs(seed: int, max_text_chars: int) -> list[Record]:
    corpus = build_debian_corpus(min_documents=200, min_per_label=20, max_text_chars=max_text_chars)
    return assign_splits([record_from_mapping(r, "debian", 10**7) for r in corpus.records], 0.15, 0.2, seed)


def entry(c: CandidateResult) -> dict:
    over = c.by_length.get(">2048", {})
    return {
        "tokens_per_second": round(c.train_tokens_per_second, 1),
        "real_token_fraction": round(c.real_token_fraction, 4),
        "peak_memory_mb": round(c.peak_memory_mb, 1),
        "macro_f1": round(c.macro_f1, 4),
        "macro_f1_over_2048": round(over["macro_f1"], 4) if "macro_f1" in over else None,
        "documents_over_2048": over.get("count", 0),
        "accuracy": round(c.accuracy, 4),
        "ece": round(c.ece, 4),
        "seconds_per_1000_documents": round(c.ms_per_document, 2),
        "train_seconds": round(c.train_seconds, 1),
        "parameters": c.parameters,
    }


def architectures(
    records: list[Record], mp: ModelParams, tp: TrainingParams, context: int, work: Path, variants: list[str]
) -> dict:
    splits = by_split(records)
    ep = EvaluationParams(long_context_tokens=context, length_buckets=(512, 2048))
    out = {}
    for label in variants:
        architecture, update = VARIANTS[label]
        print(f"[{label}] training and testing ...", file=sys.stderr, flush=True)
        report = compare_architectures(
            splits,
            mp.model_copy(update=update),
            tp,
            ep.model_copy(update={"candidates": (architecture,)}),
            7,
            work / label,
            progress=False,
        )
        out[label] = entry(report.candidates[0])
        print(f"[{label}] {json.dumps(out[label])}", file=sys.stderr, flush=True)
    if "tfidf_logreg" not in variants:
        return out
    train, test = splits["train"], splits["test"]
    reference = tfidf_baseline(
        [r.text for r in train],
        [r.label for r in train],
        [r.text for r in test],
        [r.label for r in test],
        tuple(sorted({r.label for r in train})),
        7,
    )
    out["tfidf_reference"] = {
        "macro_f1": round(reference["macro_f1"], 4),
        "accuracy": round(reference["accuracy"], 4),
        "seconds_per_1000_documents": round(reference["seconds_per_1000_documents"], 2),
        "train_seconds": round(reference["fit_seconds"], 2),
    }
    return out


def training_precision_section(records: list[Record], mp: ModelParams, context: int) -> dict:
    train = by_split(records)["train"]
    texts = [r.text for r in train[:8]]
    tokenizer = DocumentTokenizer.train([r.text for r in train], mp.vocab_size)
    ep = EvaluationParams(long_context_tokens=context)
    out = {}
    for name in ("windowed_encoder", "long_context_encoder"):
        torch.manual_seed(0)
        padded = mp.model_copy(update={"attn_implementation": "sdpa"}) if name == "windowed_encoder" else mp
        model = build_model(("a", "b"), tokenizer, candidate_model_params(name, padded, ep))
        docs, _ = window_documents(tokenizer, texts, model.spec)
        batch = collate_windows(docs, tokenizer.pad_id)
        fp32, bf16, cosine = measure(model, batch)
        out[name] = {
            "fp32_seconds_per_step": round(fp32, 4),
            "bf16_seconds_per_step": round(bf16, 4),
            "bf16_speedup": round(fp32 / bf16, 3),
            "gradient_cosine": round(cosine, 5),
            "tokens_per_step": model.tokens_processed(batch.real_tokens, batch.padded_tokens),
        }
    return out


def serving_precision_section(records: list[Record], mp: ModelParams, tp: TrainingParams, work: Path) -> dict:
    splits = by_split(records)
    model, tokenizer, _ = fit_classifier(
        splits["train"],
        splits["validation"],
        mp.model_copy(update={"attn_implementation": "sdpa"}),
        tp,
        7,
        work / "served",
        progress=False,
    )
    texts, labels = [r.text for r in splits["test"]], [r.label for r in splits["test"]]
    out = {}
    for precision in ("bf16", "int8"):
        if precision == "bf16" and bf16_units() is None:
            out[precision] = {"skipped": "no bf16 units: bf16 would be emulated"}
            continue
        figures, _ = compare_with_fp32(model, tokenizer, texts, labels, precision, repeats=2)
        out[precision] = {
            "speedup": round(figures["speedup"], 3),
            "agreement": round(figures["agreement"], 4),
            "accuracy_drop": round(figures["accuracy_drop"], 4),
            "fp32_seconds_per_1000_documents": round(figures["fp32"]["seconds_per_1000_documents"], 1),
        }
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b not in (None, 0) else None


def goals(datasets: dict, precision: dict) -> dict:
    out = {}
    for name, archs in datasets.items():
        out[name] = {}
        if "long_context_encoder" in archs and "full_attention_encoder" in archs:
            out[name] |= native_against_full(archs["long_context_encoder"], archs["full_attention_encoder"])
        if "windowed_encoder_packed" in archs and "windowed_encoder" in archs:
            out[name] |= packed_against_padded(archs["windowed_encoder_packed"], archs["windowed_encoder"])
    if not precision:
        return out
    train = precision["training"]
    out["bf16_training_speedup"] = {k: v["bf16_speedup"] for k, v in train.items()} | {
        "goal": ">= 1.7 on a CPU with bf16 units"
    }
    out["bf16_serving"] = precision["serving"].get("bf16", {}) | {"goal": "speedup >= 2, agreement >= 0.999"}
    return out


def native_against_full(native: dict, full: dict) -> dict:
    return {
        "native_vs_full_tokens_per_second": {
            "native": native["tokens_per_second"],
            "full_attention": full["tokens_per_second"],
            "ratio": ratio(native["tokens_per_second"], full["tokens_per_second"]),
            "goal": ">= 1.5",
        },
        "native_vs_full_peak_memory_mb": {
            "native": native["peak_memory_mb"],
            "full_attention": full["peak_memory_mb"],
            "goal": "native <= full",
        },
        "native_vs_full_macro_f1_over_2048": {
            "native": native["macro_f1_over_2048"],
            "full_attention": full["macro_f1_over_2048"],
            "goal": "native >= full",
        },
    }


def packed_against_padded(packed: dict, padded: dict) -> dict:
    return {
        "real_token_fraction": {
            "packed": packed["real_token_fraction"],
            "padded": padded["real_token_fraction"],
            "goal": "packed 1.0",
        },
        "packed_vs_padded_tokens_per_second": ratio(packed["tokens_per_second"], padded["tokens_per_second"]),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter documents, 2 epochs: under 10 minutes")
    ap.add_argument("--no-real", action="store_true", help="leave out the real corpus (Debian changelogs)")
    ap.add_argument("--documents", type=int, default=240, help="demo documents")
    ap.add_argument("--median-tokens", type=int, default=2500, help="median length of the demo documents")
    ap.add_argument("--context", type=int, default=8192, help="the long-context encoder's context")
    ap.add_argument("--window", type=int, default=1024, help="the windowed and truncated encoders' window")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument(
        "--real-max-chars", type=int, default=400_000, help="a changelog's newest entries up to this many characters"
    )
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"a comma-separated subset of {', '.join(VARIANTS)}")
    ap.add_argument("--no-precision", action="store_true", help="leave out the bf16 and int8 section")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or not variants:
        ap.error(f"--variants: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(VARIANTS)}")
    if args.quick:
        args.documents, args.median_tokens, args.context, args.epochs = 80, 1200, 4096, 2
        args.real_max_chars = 8_000
    torch.manual_seed(0)
    started = time.perf_counter()
    mp = ModelParams(
        hidden_size=args.hidden,
        num_layers=args.layers,
        num_heads=max(2, args.hidden // 64),
        intermediate_size=2 * args.hidden,
        context_tokens=args.window,
        window_stride=args.window - args.window // 8,
        vocab_size=8000,
        dropout=0.1,
    )
    tp = TrainingParams(epochs=args.epochs, learning_rate=0.003, token_budget=16_384, precision="fp32")
    work = Path(tempfile.mkdtemp(prefix="long-context-bench-"))
    data = {"demo_long": demo_long(args.documents, args.median_tokens, 7)}
    skipped = {}
    if not args.no_real:
        try:
            data["real"] = real_changelogs(7, args.real_max_chars)
        except Exception as exc:  # a machine without enough changelogs still gives the demo figures
            skipped["real"] = str(exc).splitlines()[0]
    result: dict = {
        "benchmark": "long_context_architectures",
        "machine": machine_summary(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "quick": args.quick,
            "variants": variants,
            "documents": args.documents,
            "median_tokens": args.median_tokens,
            "context": args.context,
            "window": args.window,
            "epochs": args.epochs,
            "model": {"hidden": mp.hidden_size, "layers": mp.num_layers, "heads": mp.num_heads},
            "training_precision": tp.precision,
        },
        "datasets": {
            name: {"documents": len(r), "median_words": sorted(len(x.text.split()) for x in r)[len(r) // 2]}
            for name, r in data.items()
        },
        "skipped": skipped,
        "architectures": {},
    }
    for name, records in data.items():
        result["architectures"][name] = architectures(records, mp, tp, args.context, work / name, variants)
    result["precision"] = {}
    if not args.no_precision:
        print("[precision] ...", file=sys.stderr, flush=True)
        result["precision"] = {
            "training": training_precision_section(data["demo_long"], mp, args.context),
            "serving": serving_precision_section(data["demo_long"], mp, tp, work / "precision"),
        }
    result["goals"] = goals(result["architectures"], result["precision"])
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
