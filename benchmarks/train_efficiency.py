"""Training efficiency: longloop's trainer against two Hugging Face Trainer baselines, same model, same data.

Prints one JSON object. Measured in one run, interleaved (naive, best, longloop, then the reverse order),
after a warm-up of each: real (non-padding) tokens per second over one epoch of the same documents, and the
validation loss each reaches, on the same encoder (longloop's long-document classifier wrapped so that the
Trainer can drive it). Then peak memory of one forward+backward pass over sequence lengths 512..8192 with
longloop's attention settings (SDPA, attention dropout 0) against eager attention, as a log-log exponent.

    python benchmarks/train_efficiency.py [--docs 320] [--max-len 2048] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
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

from corpus.demo_corpus import generate_corpus  # noqa: E402
from settings.params import TrainingParams  # noqa: E402
from training.document_tokenizer import DocumentTokenizer  # noqa: E402
from training.inference import predict_documents  # noqa: E402
from training.model import LongDocumentClassifier, ModelSpec, encoder_config_from_scratch  # noqa: E402
from training.trainer import train_classifier  # noqa: E402

LABELS = ("billing", "outage")


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


def make_model(vocab: int, max_len: int, seed: int) -> LongDocumentClassifier:
    torch.manual_seed(seed)
    enc = encoder_config_from_scratch(vocab, 64, 2, 2, 128, max_len)
    return LongDocumentClassifier(ModelSpec(LABELS, max_len, max_len - 2, enc))


def hf_run(kind: str, ids: list[list[int]], labels: list[int], tok: DocumentTokenizer, max_len: int, batch: int,
           seed: int, max_steps: int = -1) -> tuple[float, int, LongDocumentClassifier]:
    from transformers import Trainer, TrainingArguments

    rows = [[tok.cls_id, *i[: max_len - 2], tok.sep_id] for i in ids]

    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, k):
            return {"input_ids": rows[k], "labels": labels[k]}

    def collate(items):
        width = max_len if kind == "naive" else max(len(x["input_ids"]) for x in items)
        inp = torch.full((len(items), width), tok.pad_id)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for r, x in enumerate(items):
            inp[r, : len(x["input_ids"])] = torch.tensor(x["input_ids"])
            mask[r, : len(x["input_ids"])] = 1
        return {"input_ids": inp, "attention_mask": mask, "labels": torch.tensor([x["labels"] for x in items])}

    inner = make_model(tok.vocab_size, max_len, seed)
    args = TrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=batch, num_train_epochs=1,
                             max_steps=max_steps, learning_rate=3e-3, warmup_steps=0.1, weight_decay=0.01,
                             logging_strategy="no", save_strategy="no", report_to=[], seed=seed,
                             disable_tqdm=True, dataloader_num_workers=0, use_cpu=not torch.cuda.is_available(),
                             train_sampling_strategy="group_by_length" if kind == "best" else "random",
                             remove_unused_columns=False)
    trainer = Trainer(model=TrainerWrapper(inner), args=args, train_dataset=Rows(), data_collator=collate)
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    real = sum(len(r) for r in rows) if max_steps < 0 else 0
    return seconds, real, inner


def longloop_run(texts, labels, tok, max_len, budget, seed, val, max_steps=None):
    model = make_model(tok.vocab_size, max_len, seed)
    tp = TrainingParams(epochs=1, learning_rate=3e-3, token_budget=budget, max_steps=max_steps,
                        checkpoint_every=10_000)
    work = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    res = train_classifier(model, tok, texts, [LABELS[y] for y in labels], val[0], val[1], tp, seed, work,
                           progress=False)
    seconds = time.perf_counter() - start
    return seconds, res, model


def val_loss(model, tok, texts, labels, max_len) -> float:
    p = predict_documents(model, tok, texts, max_tokens=max_len - 2)
    logp = torch.log_softmax(torch.from_numpy(p.logits), 1)
    return float(torch.nn.functional.nll_loss(logp, torch.tensor(labels)))


def throughput(args) -> dict:
    rows = generate_corpus(args.docs + 120, seed=3)
    tok = DocumentTokenizer.train([r["text"] for r in rows[: args.docs]], 4000)
    # The same documents for everyone, truncated at max_len: the HF baselines truncate, and longloop gets the
    # truncated text, so it sees one window per document and does the same work.
    ids = [i[: args.max_len - 2] for i in tok.encode_batch([r["text"] for r in rows])]
    y = [LABELS.index(r["label"]) for r in rows]
    train_ids, train_y = ids[: args.docs], y[: args.docs]
    val_texts, val_y = [r["text"] for r in rows[args.docs:]], y[args.docs:]
    trunc_texts = [tok._tok.decode(i) for i in train_ids]
    assert [len(i) for i in tok.encode_batch(trunc_texts)] == [len(i) for i in train_ids]
    tiny_val = (val_texts[:2], [LABELS[v] for v in val_y[:2]])  # longloop validates per epoch: keep it cheap
    real_total = sum(len(i) + 2 for i in train_ids)
    budget = args.batch * int(np.mean([len(i) + 2 for i in train_ids]))  # same documents per step on average

    # Warm-up: each path a few steps, discarded.
    hf_run("naive", train_ids, train_y, tok, args.max_len, args.batch, 0, max_steps=2)
    hf_run("best", train_ids, train_y, tok, args.max_len, args.batch, 0, max_steps=2)
    longloop_run(trunc_texts, train_y, tok, args.max_len, budget, 0, tiny_val, max_steps=2)

    results: dict[str, list] = {"hf_naive": [], "hf_best": [], "longloop": []}
    losses: dict[str, list] = {k: [] for k in results}
    order = ["hf_naive", "hf_best", "longloop"]
    for rnd in range(args.rounds):
        for name in order if rnd % 2 == 0 else order[::-1]:
            if name == "longloop":
                sec, res, model = longloop_run(trunc_texts, train_y, tok, args.max_len, budget, rnd, tiny_val)
                results[name].append({"seconds": sec, "real_tokens": real_total,
                                      "real_token_fraction": res.real_token_fraction})
            else:
                sec, real, model = hf_run(name.split("_")[1], train_ids, train_y, tok, args.max_len, args.batch, rnd)
                results[name].append({"seconds": sec, "real_tokens": real})
            losses[name].append(val_loss(model, tok, val_texts, val_y, args.max_len))
            print(f"[round {rnd}] {name}: {results[name][-1]['seconds']:.1f} s", file=sys.stderr)

    out = {}
    for name, runs in results.items():
        tps = [r["real_tokens"] / r["seconds"] for r in runs]
        out[name] = {"real_tokens_per_second": float(np.median(tps)), "runs": len(runs),
                     "val_loss": float(np.mean(losses[name])), "val_loss_runs": losses[name]}
    lengths = [len(i) + 2 for i in train_ids]
    out["hf_naive"]["real_token_fraction"] = float(np.mean(lengths) / args.max_len)
    out["longloop"]["real_token_fraction"] = float(np.mean([r["real_token_fraction"] for r in results["longloop"]]))
    out["speedup_vs_naive"] = out["longloop"]["real_tokens_per_second"] / out["hf_naive"]["real_tokens_per_second"]
    out["speedup_vs_best"] = out["longloop"]["real_tokens_per_second"] / out["hf_best"]["real_tokens_per_second"]
    out["corpus"] = {"documents": args.docs, "max_len": args.max_len, "median_tokens": float(np.median(lengths)),
                     "p90_tokens": float(np.percentile(lengths, 90)), "batch_documents": args.batch,
                     "longloop_token_budget": budget}
    return out


def _vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_point(impl: str, length: int) -> None:
    """Child process: peak memory growth of one forward+backward pass at ``length`` tokens."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    enc = encoder_config_from_scratch(4000, 256, 4, 4, 1024, length)
    model = LongDocumentClassifier(ModelSpec(LABELS, length, length - 2, enc), attn_implementation=impl).to(device)
    ids = torch.randint(5, 4000, (1, length), device=device)
    mask = torch.ones_like(ids)
    doc = torch.zeros(1, dtype=torch.long, device=device)
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS
        base = _vm_kb("VmRSS") * 1024
    logits, _ = model(ids, mask, doc, 1)
    logits.sum().backward()
    if device.type == "cuda":
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = _vm_kb("VmHWM") * 1024
    print(json.dumps({"mb": (peak - base) / 2**20}))


def memory_scaling(lengths: list[int]) -> dict:
    out = {}
    for impl in ("sdpa", "eager"):
        mbs = []
        for n in lengths:
            proc = subprocess.run([sys.executable, __file__, "--memory-point", impl, str(n)], capture_output=True,
                                  text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
            mbs.append(json.loads(proc.stdout.strip().splitlines()[-1])["mb"])
        slope = float(np.polyfit(np.log(lengths), np.log(mbs), 1)[0])
        out[impl] = {"lengths": lengths, "peak_mb": [round(m, 1) for m in mbs], "loglog_exponent": round(slope, 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=320)
    ap.add_argument("--max-len", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check that the benchmark runs")
    ap.add_argument("--memory-point", nargs=2)
    args = ap.parse_args()
    if args.memory_point:
        memory_point(args.memory_point[0], int(args.memory_point[1]))
        return
    if args.quick:
        args.docs, args.max_len, args.rounds = 48, 512, 1
    lengths = [256, 512, 1024] if args.quick else [512, 1024, 2048, 4096, 8192]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    result = {"device": device, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "throughput": throughput(args), "memory": memory_scaling(lengths)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
