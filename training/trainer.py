"""The training loop: token-budget batches, SDPA, optional bf16/checkpointing/compile, resumable checkpoints."""

from __future__ import annotations

import math
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from longloop.corpus.atomic_files import publish_file
from longloop.settings.params import TrainingParams
from longloop.training.batching import token_budget_batches
from longloop.training.checkpoint import (
    TrainerState,
    latest_checkpoint,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from longloop.training.collate import collate_windows
from longloop.training.data_parallel import all_reduce_gradients, all_reduce_sums, barrier, rank_and_world
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import predict_documents, window_documents
from longloop.training.model import (
    LongDocumentClassifier,
)
from longloop.training.precision_probe import training_precision


@dataclass
class TrainResult:
    steps: int
    epochs_run: int
    best_val_loss: float
    val_accuracy: float
    tokens_per_second: float
    real_token_fraction: float
    peak_memory_mb: float
    device: str
    precision: str
    resumed_from_step: int | None
    seconds: float
    step_seconds: float  # inside training steps only (collate, forward, backward, optimizer): no validation or I/O
    precision_reason: str = ""  # why this precision (training/precision_probe.py under precision: auto)
    # The whole fit as fit_classifier ran it (tokenizer, model, training): wall seconds, and how far the peak
    # memory rose over what the process held when it started. What the architecture report compares.
    fit_seconds: float = 0.0
    fit_memory_mb: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def pick_device(choice: str) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def pick_precision(choice: str, device: torch.device) -> str:
    """The precision before any measurement: as configured, or under auto bf16 on a CUDA GPU that has it and
    fp32 elsewhere (a CPU then measures, training/precision_probe.py)."""
    if choice != "auto":
        return choice
    return "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def validation_scores(model, tokenizer, texts, label_idx, budget) -> tuple[float, float]:
    """Validation loss and accuracy of ``model`` on ``texts`` (labels as indices of its spec)."""
    preds = predict_documents(model, tokenizer, texts, token_budget=budget)
    logp = torch.log_softmax(torch.from_numpy(preds.logits), dim=1)
    target = torch.tensor(label_idx)
    loss = float(torch.nn.functional.nll_loss(logp, target))
    acc = float((logp.argmax(1) == target).float().mean())
    return loss, acc


def train_classifier(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    train_texts: list[str],
    train_labels: list[str],
    val_texts: list[str],
    val_labels: list[str],
    tp: TrainingParams,
    seed: int,
    work_dir: Path,
    on_step: Callable[[int, dict], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train in place; the best validation weights are loaded into ``model`` at the end.

    Checkpoints go to ``work_dir/checkpoints``; if one is there, training resumes from it, replaying the same
    batch order, so the result equals an uninterrupted run's. Under torchrun each step's batches are dealt
    out across ranks (see training.data_parallel); rank 0 alone writes files, logs and shows progress.
    """
    torch.manual_seed(seed)
    rank, world = rank_and_world()
    main = rank == 0
    per_step = tp.grad_accumulation * world
    device = pick_device(tp.device)
    precision = pick_precision(tp.precision, device)
    label_index = {l: i for i, l in enumerate(model.spec.labels)}
    y = torch.tensor([label_index[l] for l in train_labels])
    val_y = [label_index[l] for l in val_labels]
    docs, _ = window_documents(tokenizer, train_texts, model.spec)
    lengths = [[len(w) for w in d] for d in docs]
    epoch_batches = [token_budget_batches(lengths, tp.token_budget, seed, e) for e in range(tp.epochs)]
    steps_per_epoch = [math.ceil(len(b) / per_step) for b in epoch_batches]
    total_steps = sum(steps_per_epoch) if tp.max_steps is None else min(tp.max_steps, sum(steps_per_epoch))

    model.to(device)
    precision_reason = f"precision is {tp.precision}" if tp.precision != "auto" else "auto: bf16 on a CUDA GPU"
    if tp.precision == "auto" and device.type == "cpu":
        probe = training_precision(model, collate_windows([docs[d] for d in epoch_batches[0][0]], tokenizer.pad_id))
        # Every rank trains in one precision: bf16 only where each rank measured it worth it.
        (bf16_votes,) = all_reduce_sums([float(probe.precision == "bf16")], device)
        precision = "bf16" if bf16_votes == world else "fp32"
        precision_reason = f"auto: {probe.reason}" + (" (measured before)" if probe.from_cache else "")
    elif precision == "fp32" and tp.precision == "auto":
        precision_reason = "auto: fp32 on a GPU without bf16"
    if tp.gradient_checkpointing:
        model.encoder.gradient_checkpointing_enable()
    forward = torch.compile(model) if tp.compile else model
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    # fused: one kernel for the whole update instead of a dozen per parameter tensor (CPU and CUDA alike)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": tp.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=tp.learning_rate,
        fused=True,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tp.warmup_fraction * total_steps), total_steps)

    ckpt_dir = work_dir / "checkpoints"
    best_path = work_dir / "best.safetensors"
    state: TrainerState = {
        "global_step": 0,
        "epoch": 0,
        "batch_in_epoch": 0,
        "best_val_loss": float("inf"),
        "best_val_accuracy": 0.0,
        "bad_epochs": 0,
        "real_tokens": 0,
        "padded_tokens": 0,
        "stopped": False,
    }
    resumed_from: int | None = None
    if (ckpt := latest_checkpoint(ckpt_dir)) is not None:
        state = load_checkpoint(ckpt, model, optimizer, scheduler)
        resumed_from = state["global_step"]

    bar = tqdm(
        total=total_steps,
        initial=state["global_step"],
        desc="train",
        unit="step",
        file=sys.stderr,
        disable=not (progress and main),
        dynamic_ncols=True,
    )
    on_step = on_step if main else None
    params = [p for p in model.parameters() if p.requires_grad]
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    pin = device.type == "cuda"

    def step_inputs(group: list[list[int]]) -> list[tuple]:
        """This rank's share of one optimizer step: padded windows and targets, copied to the device."""
        return [
            (
                collate_windows([docs[d] for d in b], tokenizer.pad_id, pin).to(device, non_blocking=pin),
                (y[b].pin_memory() if pin else y[b]).to(device, non_blocking=pin),
            )
            for b in group[rank::world]
        ]

    started, step_tokens, step_start, step_seconds = time.perf_counter(), 0, time.perf_counter(), 0.0
    epochs_run = state["epoch"]
    while state["epoch"] < tp.epochs and not state["stopped"] and state["global_step"] < total_steps:
        batches = epoch_batches[state["epoch"]]
        model.train()
        i = state["batch_in_epoch"]
        prefetched = None
        while i < len(batches) and state["global_step"] < total_steps:
            group = batches[i : i + per_step]
            step_start = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            loss_sum, real, padded = torch.zeros((), device=device), 0, 0
            for wb, target in prefetched or step_inputs(group):
                with autocast:
                    logits, _ = forward(wb.input_ids, wb.attention_mask, wb.doc_index, wb.n_docs)
                loss = torch.nn.functional.cross_entropy(logits, target) / len(group)
                loss.backward()
                loss_sum += loss.detach()
                real += wb.real_tokens
                padded += model.tokens_processed(wb.real_tokens, wb.padded_tokens)
            all_reduce_gradients(params)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            # While the GPU works through this step, the CPU pads the next one (on a CPU there is no overlap).
            upcoming = batches[i + len(group) : i + len(group) + per_step]
            last = state["global_step"] + 1 >= total_steps
            prefetched = step_inputs(upcoming) if device.type == "cuda" and upcoming and not last else None
            step_loss, real_sum, padded_sum = all_reduce_sums([float(loss_sum), real, padded], device)
            real, padded = int(real_sum), int(padded_sum)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            now = time.perf_counter()
            step_seconds += now - step_start
            i += len(group)
            state["global_step"] += 1
            state["batch_in_epoch"] = i
            state["real_tokens"] += real
            state["padded_tokens"] += padded
            metrics = {
                "train_loss": step_loss,
                "learning_rate": scheduler.get_last_lr()[0],
                "tokens_per_second": real / max(now - step_start, 1e-9),
                "real_token_fraction": state["real_tokens"] / max(1, state["padded_tokens"]),
                "peak_memory_mb": peak_memory_mb(device),
            }
            step_tokens += real
            if on_step:
                on_step(state["global_step"], metrics)
            bar.set_postfix(loss=f"{step_loss:.3f}", tok_s=f"{metrics['tokens_per_second']:.0f}")
            bar.update(1)
            if state["global_step"] % tp.checkpoint_every == 0:
                _checkpoint(main, ckpt_dir, model, optimizer, scheduler, state)
        if i >= len(batches):  # epoch finished: validate, keep the best weights, maybe stop early
            val_loss, val_acc = validation_scores(model, tokenizer, val_texts, val_y, tp.token_budget)
            if on_step:
                on_step(state["global_step"], {"val_loss": val_loss, "val_accuracy": val_acc})
            if val_loss < state["best_val_loss"] - 1e-4:
                state.update({"best_val_loss": val_loss, "best_val_accuracy": val_acc, "bad_epochs": 0})
                if main:
                    _save_weights_atomic(model, best_path)
            else:
                state["bad_epochs"] += 1
                state["stopped"] = state["bad_epochs"] >= tp.early_stopping_patience
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            epochs_run = state["epoch"]
            _checkpoint(main, ckpt_dir, model, optimizer, scheduler, state)
    bar.close()
    if state["best_val_loss"] == float("inf"):  # stopped by max_steps inside the first epoch
        val_loss, val_acc = validation_scores(model, tokenizer, val_texts, val_y, tp.token_budget)
        state.update({"best_val_loss": val_loss, "best_val_accuracy": val_acc})
        if main:
            _save_weights_atomic(model, best_path)
    barrier()  # rank 0's best weights are on disk before anyone reads them
    model.load_state_dict(load_file(str(best_path)))
    elapsed = time.perf_counter() - started
    return TrainResult(
        steps=state["global_step"],
        epochs_run=epochs_run,
        best_val_loss=state["best_val_loss"],
        val_accuracy=state["best_val_accuracy"],
        tokens_per_second=step_tokens / max(step_seconds, 1e-9),
        real_token_fraction=state["real_tokens"] / max(1, state["padded_tokens"]),
        peak_memory_mb=peak_memory_mb(device),
        device=device.type,
        precision=precision,
        resumed_from_step=resumed_from,
        seconds=elapsed,
        step_seconds=step_seconds,
        precision_reason=precision_reason,
    )


def _checkpoint(main: bool, ckpt_dir: Path, model, optimizer, scheduler, state: TrainerState) -> None:
    if main:
        save_checkpoint(ckpt_dir, state["global_step"], model, optimizer, scheduler, state)
        prune_checkpoints(ckpt_dir)
    barrier()


def _save_weights_atomic(model: torch.nn.Module, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))
    publish_file(tmp, path)
