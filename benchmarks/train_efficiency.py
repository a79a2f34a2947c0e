"""Training efficiency: longloop's trainer against two Hugging Face Trainer baselines, same model, same data.

Prints one JSON object with, each beside its baseline measured in the same run:

* throughput: real (non-padding) tokens per second over one epoch of the same documents, interleaved
  (naive, best, longloop, then the reverse order) after a warm-up of each, and the validation loss each
  reaches, on the same encoder (longloop's classifier wrapped so that the Trainer can drive it). Time is
  counted inside the training steps for all three (data collation, forward, backward, optimizer step);
* model FLOPs utilisation: useful FLOPs (6 x non-embedding parameters x real tokens, plus attention over
  the real lengths) per second, against the matrix-multiply peak measured on this machine in this run;
* options: longloop with gradient checkpointing, gradient accumulation, torch.compile and (on a GPU) fp32
  instead of bf16, so each option's effect on speed and memory is visible;
* memory: peak memory of one forward+backward pass over 512..8192 tokens with longloop's attention
  settings (SDPA, attention dropout 0) against eager attention, as a log-log growth exponent;
* long context: the demo model trained as `longloop run` trains it, scored on documents longer than 2,048
  tokens with its whole context against the same model truncated to the first 512 tokens;
* scale (by default on a GPU only): real tokens/s and MFU of longloop, eager and compiled, beside the HF
  best-configured Trainer on a 340M-parameter encoder with about 21k tokens per step.

    python benchmarks/train_efficiency.py [--quick] [--sections throughput,options,memory,long_context,scale]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from longloop.corpus.demo_corpus import generate_corpus  # noqa: E402
from longloop.corpus.demo_records import demo_records  # noqa: E402
from longloop.corpus.splits import assign_splits, by_split  # noqa: E402
from longloop.settings.params import TrainingParams, load_params  # noqa: E402
from longloop.training.document_tokenizer import DocumentTokenizer  # noqa: E402
from longloop.training.fit import fit_classifier  # noqa: E402
from longloop.training.inference import predict_documents  # noqa: E402
from longloop.training.model import LongDocumentClassifier, ModelSpec, encoder_config_from_scratch  # noqa: E402
from longloop.training.peak_memory import peak_memory_mb, reset_peak_memory, resident_mb  # noqa: E402
from longloop.training.trainer import train_classifier  # noqa: E402

LABELS = ("billing", "outage")
CUDA = torch.cuda.is_available()
# Sizes per machine: the CPU preset keeps the whole benchmark to minutes on 2 cores; the GPU preset is a
# BERT-base-sized encoder on longer documents.
PRESETS = {
    "cpu": dict(docs=240, max_len=1024, batch=8, hidden=128, layers=2, heads=2, intermediate=512, rounds=2),
    "gpu": dict(
        docs=1000, max_len=2048, batch=8, hidden=768, layers=12, heads=12, intermediate=3072, rounds=2, lr=2e-4
    ),
    "quick": dict(docs=48, max_len=512, batch=8, hidden=64, layers=2, heads=2, intermediate=128, rounds=1),
}


# The MFU goal on a GPU is judged at scale: an encoder of a few hundred million parameters (hidden 1,536,
# 12 layers: 340M without embeddings) and about 21k tokens per step, where a step is long enough for the
# matrix products, not kernel launches, to set the pace. The HF best-configured Trainer runs beside it with
# the same documents per step. "quick" checks on a CPU that the section runs.
SCALE_PRESETS = {
    "gpu": dict(docs=2000, max_len=2048, batch=32, hidden=1536, layers=12, heads=24, intermediate=6144, lr=1e-4),
    "quick": dict(docs=48, max_len=512, batch=8, hidden=64, layers=2, heads=2, intermediate=128, lr=1e-3),
}


# The options section: longloop's training settings per variant (the 8x budget is applied by the section).
OPTION_VARIANTS = {
    "default": {},
    "gradient_checkpointing": {"gradient_checkpointing": True},
    "grad_accumulation_2_half_budget": {"grad_accumulation": 2},
    "compile": {"compile": True},
    "token_budget_x8": {},
    "fp32_instead_of_bf16": {"precision": "fp32"},
}


def sync() -> None:
    if CUDA:
        torch.cuda.synchronize()


class TrainerWrapper(torch.nn.Module):
    """The same classifier, with the forward signature the Hugging Face Trainer expects."""

    def __init__(self, inner: LongDocumentClassifier):
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, attention_mask, labels=None):
        n = input_ids.shape[0]
        logits, _ = self.inner(input_ids, attention_mask, torch.arange(n, device=input_ids.device), n)
        loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def make_model(args, vocab: int, seed: int) -> LongDocumentClassifier:
    torch.manual_seed(seed)
    enc = encoder_config_from_scratch(vocab, args.hidden, args.layers, args.heads, args.intermediate, args.max_len)
    return LongDocumentClassifier(ModelSpec(LABELS, args.max_len, args.max_len - 2, enc))


def useful_flops(model: LongDocumentClassifier, lengths: list[int]) -> float:
    """Training FLOPs of one pass over sequences of these real lengths: 6·N·tokens plus attention.

    N counts the non-embedding parameters (an embedding lookup is no multiply); attention adds, per layer and
    sequence, 4·L²·d forward (scores and weighted sum), three times that with the backward pass.
    """
    cfg = model.encoder.config
    n = _non_embedding_parameters(model)
    lengths_np = np.asarray(lengths, dtype=np.float64)
    return float(6 * n * lengths_np.sum() + 12 * cfg.num_hidden_layers * cfg.hidden_size * (lengths_np**2).sum())


def _non_embedding_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)


def matmul_peak(dtype: torch.dtype) -> float:
    """Best FLOP/s of a large square matrix product on this machine, in this run."""
    n = 8192 if CUDA else 2048
    device = "cuda" if CUDA else "cpu"
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync()
    best = 0.0
    for _ in range(10 if CUDA else 5):
        t = time.perf_counter()
        a @ b
        sync()
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def hf_run(
    args, kind: str, ids: list[list[int]], labels: list[int], tok: DocumentTokenizer, seed: int, max_steps: int = -1
) -> tuple[float, LongDocumentClassifier]:
    """One epoch with the Hugging Face Trainer; returns the seconds spent inside training steps."""
    from transformers import Trainer, TrainerCallback, TrainingArguments

    rows = [[tok.cls_id, *i[: args.max_len - 2], tok.sep_id] for i in ids]

    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, k):
            return {"input_ids": rows[k], "labels": labels[k]}

    def collate(items):
        width = args.max_len if kind == "naive" else max(len(x["input_ids"]) for x in items)
        inp = torch.full((len(items), width), tok.pad_id)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for r, x in enumerate(items):
            inp[r, : len(x["input_ids"])] = torch.tensor(x["input_ids"])
            mask[r, : len(x["input_ids"])] = 1
        return {"input_ids": inp, "attention_mask": mask, "labels": torch.tensor([x["labels"] for x in items])}

    class StepClock(TrainerCallback):
        """Seconds inside training steps, as longloop counts them (batch collation included)."""

        seconds, _t = 0.0, 0.0

        def on_step_begin(self, *a, **k):
            sync()
            self._t = time.perf_counter()

        def on_step_end(self, *a, **k):
            sync()
            self.seconds += time.perf_counter() - self._t

    inner = make_model(args, tok.vocab_size, seed)
    clock = StepClock()
    # transformers 5.x names length grouping `train_sampling_strategy`; older releases `group_by_length`.
    if "train_sampling_strategy" in TrainingArguments.__dataclass_fields__:
        sampling = {"train_sampling_strategy": "group_by_length" if kind == "best" else "random"}
    else:
        sampling = {"group_by_length": kind == "best"}
    targs = TrainingArguments(
        output_dir=tempfile.mkdtemp(),
        per_device_train_batch_size=args.batch,
        num_train_epochs=1,
        max_steps=max_steps,
        learning_rate=args.lr,
        warmup_steps=0.1,
        weight_decay=0.01,
        logging_strategy="no",
        save_strategy="no",
        report_to=[],
        seed=seed,
        disable_tqdm=True,
        dataloader_num_workers=0,
        use_cpu=not CUDA,
        bf16=CUDA and kind == "best",  # the best-configured run uses bf16 where it helps
        remove_unused_columns=False,
        **sampling,
    )
    trainer = Trainer(
        model=TrainerWrapper(inner), args=targs, train_dataset=Rows(), data_collator=collate, callbacks=[clock]
    )
    with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its metrics; stdout is for our JSON
        trainer.train()
    return clock.seconds, inner


def longloop_run(args, texts, labels, tok, budget, seed, val, max_steps=None, **options):
    model = make_model(args, tok.vocab_size, seed)
    tp = TrainingParams(
        epochs=1, learning_rate=args.lr, token_budget=budget, max_steps=max_steps, checkpoint_every=1_000_000, **options
    )
    reset_peak_memory()
    with tempfile.TemporaryDirectory() as work:  # checkpoints of a large model add up over many runs
        res = train_classifier(
            model, tok, texts, [LABELS[y] for y in labels], val[0], val[1], tp, seed, Path(work), progress=False
        )
    return res, model


def val_loss(model, tok, texts, labels, max_len) -> float:
    p = predict_documents(model, tok, texts, max_tokens=max_len - 2)
    logp = torch.log_softmax(torch.from_numpy(p.logits), 1)
    return float(torch.nn.functional.nll_loss(logp, torch.tensor(labels)))


def prepare(args) -> dict:
    rows = generate_corpus(args.docs + 120, seed=3)
    tok = DocumentTokenizer.train([r["text"] for r in rows[: args.docs]], 4000)
    # The same documents for everyone, truncated at max_len: the HF baselines truncate, and longloop gets the
    # truncated text, so it sees one window per document and does the same work.
    ids = [i[: args.max_len - 2] for i in tok.encode_batch([r["text"] for r in rows])]
    y = [LABELS.index(r["label"]) for r in rows]
    train_ids = ids[: args.docs]
    trunc_texts = [tok._tok.decode(i) for i in train_ids]
    assert [len(i) for i in tok.encode_batch(trunc_texts)] == [len(i) for i in train_ids]
    lengths = [len(i) + 2 for i in train_ids]
    return {
        "tok": tok,
        "train_ids": train_ids,
        "train_y": y[: args.docs],
        "trunc_texts": trunc_texts,
        "val_texts": [r["text"] for r in rows[args.docs :]],
        "val_y": y[args.docs :],
        "lengths": lengths,
        # longloop validates once per epoch: keep that cheap; time inside steps excludes it anyway
        "tiny_val": (
            [r["text"] for r in rows[args.docs : args.docs + 2]],
            [LABELS[v] for v in y[args.docs : args.docs + 2]],
        ),
        "budget": args.batch * int(np.mean(lengths)),
    }  # the same documents per step on average


def throughput(args, data: dict) -> dict:
    tok, train_ids, train_y, texts = data["tok"], data["train_ids"], data["train_y"], data["trunc_texts"]
    real_total = sum(data["lengths"])
    # Warm-up, discarded. On a GPU the paths with varying batch shapes get a whole epoch, so that the
    # allocator and kernel caches have seen every shape; the naive path has one shape.
    warm = None if CUDA else 2
    hf_run(args, "naive", train_ids, train_y, tok, 0, max_steps=2)
    hf_run(args, "best", train_ids, train_y, tok, 0, max_steps=warm or -1)
    longloop_run(args, texts, train_y, tok, data["budget"], 0, data["tiny_val"], max_steps=warm)

    seconds: dict[str, list] = {"hf_naive": [], "hf_best": [], "longloop": []}
    losses: dict[str, list] = {k: [] for k in seconds}
    fractions = []
    order = list(seconds)
    for rnd in range(args.rounds):
        for name in order if rnd % 2 == 0 else order[::-1]:
            if name == "longloop":
                res, model = longloop_run(args, texts, train_y, tok, data["budget"], rnd, data["tiny_val"])
                seconds[name].append(res.step_seconds)
                fractions.append(res.real_token_fraction)
            else:
                sec, model = hf_run(args, name.split("_")[1], train_ids, train_y, tok, rnd)
                seconds[name].append(sec)
            losses[name].append(val_loss(model, tok, data["val_texts"], data["val_y"], args.max_len))
            print(f"[round {rnd}] {name}: {seconds[name][-1]:.1f} s", file=sys.stderr, flush=True)

    flops = useful_flops(model, data["lengths"])
    peak_dtype = torch.bfloat16 if CUDA else torch.float32
    peak = matmul_peak(peak_dtype)
    out: dict = {}
    for name, secs in seconds.items():
        sec = float(np.median(secs))
        out[name] = {
            "real_tokens_per_second": real_total / sec,
            "seconds": secs,
            "model_flops_utilisation": flops / sec / peak,
            "val_loss": float(np.mean(losses[name])),
            "val_loss_runs": losses[name],
        }
    out["hf_naive"]["real_token_fraction"] = float(np.mean(data["lengths"]) / args.max_len)
    out["longloop"]["real_token_fraction"] = float(np.mean(fractions))
    out["speedup_vs_naive"] = out["longloop"]["real_tokens_per_second"] / out["hf_naive"]["real_tokens_per_second"]
    out["speedup_vs_best"] = out["longloop"]["real_tokens_per_second"] / out["hf_best"]["real_tokens_per_second"]
    out["peak_matmul_flops"] = {"dtype": str(peak_dtype).removeprefix("torch."), "measured": peak}
    if CUDA:
        out["peak_matmul_flops"]["datasheet_h100_bf16_dense"] = 989e12
        out["longloop"]["model_flops_utilisation_of_989_tflops"] = (
            flops / float(np.median(seconds["longloop"])) / 989e12
        )
    out["corpus"] = {
        "documents": args.docs,
        "max_len": args.max_len,
        "real_tokens": real_total,
        "median_tokens": float(np.median(data["lengths"])),
        "p90_tokens": float(np.percentile(data["lengths"], 90)),
        "batch_documents": args.batch,
        "longloop_token_budget": data["budget"],
        "useful_flops_per_epoch": flops,
    }
    out["model"] = {
        "hidden": args.hidden,
        "layers": args.layers,
        "heads": args.heads,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    return out


def options(args, data: dict) -> dict:
    """longloop with each efficiency option switched against its default, on the same data."""
    tok, train_y, texts = data["tok"], data["train_y"], data["trunc_texts"]
    variants = dict(OPTION_VARIANTS)
    if not CUDA:  # fp32 is the CPU's default already
        variants.pop("fp32_instead_of_bf16")
    if args.options:
        variants = {k: v for k, v in variants.items() if k in args.options}
    out = {}
    real_total = sum(data["lengths"])
    for name, opts in variants.items():
        budget = data["budget"] // opts.get("grad_accumulation", 1) * (8 if name == "token_budget_x8" else 1)
        if name == "compile":  # compiling is paid once per shape: warm it up on one epoch, time the second
            longloop_run(args, texts, train_y, tok, budget, 0, data["tiny_val"], **opts)
        res, _ = longloop_run(args, texts, train_y, tok, budget, 0, data["tiny_val"], **opts)
        out[name] = {
            "real_tokens_per_second": real_total / res.step_seconds,
            "peak_memory_mb": peak_memory_mb(),
            "precision": res.precision,
        }
        print(f"[options] {name}: {res.step_seconds:.1f} s", file=sys.stderr, flush=True)
    return out


def at_scale(args, variants: list[str]) -> dict:
    """Real tokens/s and MFU of longloop's trainer against the HF best-configured Trainer at scale.

    Each variant warms up on a whole epoch (seed 0: allocator, kernel selection, compilation), then one
    epoch with seed 1 is timed, the protocol of the throughput section.
    """
    sargs = argparse.Namespace(**{**vars(args), **SCALE_PRESETS["quick" if args.quick else "gpu"]})
    data = prepare(sargs)
    tok, ids, y, texts = data["tok"], data["train_ids"], data["train_y"], data["trunc_texts"]
    peak = matmul_peak(torch.bfloat16 if CUDA else torch.float32)
    real_total = sum(data["lengths"])
    out: dict = {}
    for name in variants:
        opts = {"compile": True} if name == "longloop_compile" else {}
        if name == "hf_best":
            hf_run(sargs, "best", ids, y, tok, 0)
            seconds, model = hf_run(sargs, "best", ids, y, tok, 1)
            fraction = None
        else:
            longloop_run(sargs, texts, y, tok, data["budget"], 0, data["tiny_val"], **opts)
            res, model = longloop_run(sargs, texts, y, tok, data["budget"], 1, data["tiny_val"], **opts)
            seconds, fraction = res.step_seconds, res.real_token_fraction
        flops, n_params = useful_flops(model, data["lengths"]), _non_embedding_parameters(model)
        out[name] = {
            "real_tokens_per_second": real_total / seconds,
            "seconds": seconds,
            "model_flops_utilisation": flops / seconds / peak,
            "model_flops_utilisation_of_989_tflops": flops / seconds / 989e12,
            "val_loss": val_loss(model, tok, data["val_texts"], data["val_y"], sargs.max_len),
            "peak_memory_mb": peak_memory_mb(),
        }
        if fraction is not None:
            out[name]["real_token_fraction"] = fraction
        print(f"[scale] {name}: {json.dumps(out[name])}", file=sys.stderr, flush=True)
        del model
        if CUDA:
            torch.cuda.empty_cache()
    if "hf_best" in out:
        for name in out:
            if name != "hf_best":
                out[name]["speedup_vs_hf_best"] = (
                    out[name]["real_tokens_per_second"] / out["hf_best"]["real_tokens_per_second"]
                )
    out["peak_matmul_flops"] = {"dtype": "bfloat16" if CUDA else "float32", "measured": peak}
    out["corpus"] = {
        "documents": sargs.docs,
        "max_len": sargs.max_len,
        "real_tokens": real_total,
        "hf_batch_documents": sargs.batch,
        "longloop_token_budget": data["budget"],
    }
    out["model"] = {
        "hidden": sargs.hidden,
        "layers": sargs.layers,
        "heads": sargs.heads,
        "intermediate": sargs.intermediate,
        "non_embedding_parameters": n_params,
    }
    return out


def memory_point(impl: str, length: int) -> float:
    """Peak memory growth (MB) of one forward+backward pass at ``length`` tokens.

    On the CPU it runs in a fresh child process (the peak RSS is per process); on a GPU in this one.
    """
    device = torch.device("cuda" if CUDA else "cpu")
    torch.manual_seed(0)
    enc = encoder_config_from_scratch(4000, 256, 4, 4, 1024, length)
    spec = ModelSpec(LABELS, length, length - 2, enc, attention=impl)
    model = LongDocumentClassifier(spec).to(device)
    ids = torch.randint(5, 4000, (1, length), device=device)
    mask = torch.ones_like(ids)
    doc = torch.zeros(1, dtype=torch.long, device=device)
    sync()
    reset_peak_memory()
    base = resident_mb()
    logits, _ = model(ids, mask, doc, 1)
    logits.sum().backward()
    sync()
    peak = peak_memory_mb() - base
    if CUDA:
        del model, ids, logits
        torch.cuda.empty_cache()
    return peak


def memory_scaling(lengths: list[int]) -> dict:
    out = {}
    for impl in ("sdpa", "eager"):
        mbs = []
        for n in lengths:
            if CUDA:
                mbs.append(memory_point(impl, n))
                continue
            proc = subprocess.run(
                [sys.executable, __file__, "--memory-point", impl, str(n)],
                capture_output=True,
                text=True,
                env={**os.environ, "OMP_NUM_THREADS": "2"},
            )
            mbs.append(json.loads(proc.stdout.strip().splitlines()[-1])["mb"])
        slope = float(np.polyfit(np.log(lengths), np.log(mbs), 1)[0])
        out[impl] = {"lengths": lengths, "peak_mb": [round(m, 1) for m in mbs], "loglog_exponent": round(slope, 3)}
    return out


def long_context(quick: bool) -> dict:
    """The demo model as `longloop run` trains it: whole documents vs their first 512 tokens, >2,048 tokens."""
    params = load_params(ROOT / ("tests/tiny_params.yaml" if quick else "params.yaml"))
    demo, split = params.data.demo, params.data.split
    records = assign_splits(
        demo_records(demo, params.data.max_text_chars), split.validation, split.test, params.project.seed
    )
    splits = by_split(records)
    with tempfile.TemporaryDirectory() as work:
        model, tok, res = fit_classifier(
            splits["train"],
            splits["validation"],
            params.model,
            params.training,
            params.project.seed,
            Path(work),
            progress=False,
        )
    # Fresh documents from the same language, a longer stream so that enough of them pass 2,048 tokens.
    fresh = generate_corpus(
        60 if quick else 400,
        seed=demo.seed,
        stream=99,
        median_tokens=demo.median_tokens,
        length_sigma=demo.length_sigma,
        max_tokens=demo.max_tokens,
        n_labels=demo.n_labels,
        shifts=("longer",),
    )
    min_tokens = 600 if quick else 2048
    long_docs = [r for r, ids in zip(fresh, tok.encode_batch([r["text"] for r in fresh])) if len(ids) > min_tokens]
    texts = [r["text"] for r in long_docs]
    truth = np.array([model.spec.labels.index(r["label"]) for r in long_docs])
    full = predict_documents(model, tok, texts)
    first_512 = predict_documents(model, tok, texts, max_tokens=510)
    return {
        "documents_longer_than": min_tokens,
        "documents": len(texts),
        "accuracy_full_context": float((full.logits.argmax(1) == truth).mean()),
        "accuracy_first_512_tokens": float((first_512.logits.argmax(1) == truth).mean()),
        "model": {
            "context_tokens": params.model.context_tokens,
            "hidden": params.model.hidden_size,
            "layers": params.model.num_layers,
            "train_seconds": res.seconds,
            "device": res.device,
        },
    }


SECTIONS = ("memory", "long_context", "options", "throughput", "scale")
SCALE_VARIANTS = ("longloop", "hf_best", "longloop_compile")


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 1")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _names(allowed: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        names = [n for n in text.split(",") if n]
        unknown = [n for n in names if n not in allowed]
        if not names:
            raise argparse.ArgumentTypeError(f"name at least one of {','.join(allowed)}")
        if unknown:
            raise argparse.ArgumentTypeError(f"{','.join(unknown)} not among {','.join(allowed)}")
        return names

    return parse


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", choices=sorted(PRESETS), help="sizes; default: gpu on a GPU, else cpu")
    ap.add_argument("--quick", action="store_true", help="the quick preset, to check that the benchmark runs")
    for name in ("docs", "max_len", "batch", "hidden", "layers", "heads", "intermediate", "rounds"):
        ap.add_argument("--" + name.replace("_", "-"), type=_positive_int)
    ap.add_argument("--lr", type=_learning_rate)
    ap.add_argument(
        "--sections",
        type=_names(SECTIONS),
        help="comma-separated; default: memory,long_context,options,throughput and, on a GPU, scale",
    )
    ap.add_argument("--scale-variants", type=_names(SCALE_VARIANTS), default=list(SCALE_VARIANTS))
    ap.add_argument(
        "--options", type=_names(tuple(OPTION_VARIANTS)), help="comma-separated option variants (default: all)"
    )
    ap.add_argument("--memory-point", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_point:
        print(json.dumps({"mb": memory_point(args.memory_point[0], int(args.memory_point[1]))}))
        return
    preset = "quick" if args.quick else args.preset or ("gpu" if CUDA else "cpu")
    for key, value in {"lr": 1e-3, **PRESETS[preset]}.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    sections = set(args.sections or [n for n in SECTIONS if n != "scale" or CUDA])
    if sections & {"throughput", "scale"} and importlib.util.find_spec("accelerate") is None:
        ap.error("the Hugging Face Trainer baselines need accelerate: pip install -c constraints.txt -e '.[benchmark]'")
    result: dict = {
        "device": torch.cuda.get_device_name() if CUDA else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "preset": preset,
    }
    data = prepare(args) if sections & {"throughput", "options"} else {}
    runs = {
        "memory": lambda: memory_scaling([256, 512, 1024] if args.quick else [512, 1024, 2048, 4096, 8192]),
        "long_context": lambda: long_context(args.quick),
        "options": lambda: options(args, data),
        "throughput": lambda: throughput(args, data),
        "scale": lambda: at_scale(args, args.scale_variants),
    }
    for name, run in runs.items():
        if name in sections:
            result[name] = run()
            print(f"[{name}] {json.dumps(result[name])}", file=sys.stderr, flush=True)  # survives a later kill
    print(json.dumps(result))


if __name__ == "__main__":
    main()
