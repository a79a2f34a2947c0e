"""Fit a classifier from split records: tokenizer, model, training, and the saved model folder."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import torch

from longloop.corpus.records import Record
from longloop.settings.params import ConfigError, ModelParams, TrainingParams
from longloop.training.architectures import build_model, trainer_for
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier
from longloop.training.peak_memory import peak_memory_mb, reset_peak_memory, resident_mb
from longloop.training.trainer import TrainResult


def fit_classifier(
    train: list[Record],
    validation: list[Record],
    mp: ModelParams,
    tp: TrainingParams,
    seed: int,
    work_dir: Path,
    on_step: Callable[[int, dict], None] | None = None,
    progress: bool = True,
) -> tuple[LongDocumentClassifier, DocumentTokenizer, TrainResult]:
    if mp.architecture == "auto":
        raise ConfigError(
            "model.architecture: auto trains every candidate and is resolved by the pipeline's train-model stage "
            "(longloop run); this command trains one architecture: name it"
        )
    labels = tuple(sorted({r.label for r in train}))
    unseen = sorted({r.label for r in validation} - set(labels))
    if unseen:
        raise ValueError(f"validation labels never seen in training: {', '.join(unseen)}")
    held = resident_mb()
    reset_peak_memory()
    started = time.perf_counter()
    if mp.pretrained_dir:
        tokenizer = DocumentTokenizer.load(mp.pretrained_dir)
    elif (work_dir / "tokenizer.json").is_file():  # resuming: the checkpoints belong to this tokenizer
        tokenizer = DocumentTokenizer.load(work_dir)
    else:
        tokenizer = DocumentTokenizer.train([r.text for r in train], mp.vocab_size)
        work_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.save(work_dir)
    torch.manual_seed(seed)  # weight initialisation is part of the reproducible run
    model = build_model(labels, tokenizer, mp)
    result = trainer_for(mp.architecture)(
        model,
        tokenizer,
        [r.text for r in train],
        [r.label for r in train],
        [r.text for r in validation],
        [r.label for r in validation],
        tp,
        seed,
        work_dir,
        on_step=on_step,
        progress=progress,
    )
    fit = {"fit_seconds": time.perf_counter() - started, "fit_memory_mb": max(0.0, peak_memory_mb() - held)}
    return model, tokenizer, dataclasses.replace(result, **fit)
