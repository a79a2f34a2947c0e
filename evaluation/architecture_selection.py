"""``model.architecture: auto``: the training cycle trains every candidate of ``evaluation.candidates`` on the
training split and keeps the one the report's policy picks on the validation split (the best macro-F1 within
``evaluation.max_ms_per_document``, the cheaper on a tie; ``architecture_comparison.recommend``). The test split
stays for the evaluation of the model kept, so choosing does not flatter it. The chosen model then goes on as
the challenger, and the promotion gate judges it like any other: the champion can be the cheap TF-IDF baseline
when it wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from longloop.corpus.records import Record
from longloop.evaluation.architecture_comparison import candidate_model_params, recommend
from longloop.evaluation.classification_metrics import accuracy, macro_f1
from longloop.settings.params import EvaluationParams, ModelParams, TrainingParams
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents
from longloop.training.model import LongDocumentClassifier
from longloop.training.model_io import TRAINING_RESULT, save_model_dir
from longloop.training.trainer import TrainResult


@dataclass(frozen=True)
class CandidateFit:
    name: str
    macro_f1: float  # on the validation split
    accuracy: float
    ms_per_document: float  # validation inference wall time
    cost_per_1000_documents: float  # validation CPU seconds priced at evaluation.cpu_hour_cost
    train_seconds: float


@dataclass(frozen=True)
class ArchitectureSelection:
    chosen: str
    reason: str
    policy: str
    candidates: tuple[CandidateFit, ...]
    # The other candidates' model folders, trained on the train split: the architecture report measures these
    # rather than training them again. They live with the training checkpoints and go when those are released.
    model_dirs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "chosen": self.chosen,
            "reason": self.reason,
            "policy": self.policy,
            "split": "validation",
            "candidates": [asdict(c) for c in self.candidates],
        }


def _prefixed(on_step: Callable[[int, dict], None] | None, name: str) -> Callable[[int, dict], None] | None:
    """Each candidate's step metrics under its own name (``truncated_encoder.train_loss``)."""
    if on_step is None:
        return None
    return lambda step, metrics: on_step(step, {f"{name}.{k}": v for k, v in metrics.items()})


def select_architecture(
    train: list[Record],
    validation: list[Record],
    mp: ModelParams,
    tp: TrainingParams,
    ep: EvaluationParams,
    seed: int,
    work_dir: Path,
    on_step: Callable[[int, dict], None] | None = None,
    progress: bool = True,
) -> tuple[LongDocumentClassifier, DocumentTokenizer, TrainResult, ArchitectureSelection]:
    """Each candidate fitted under ``work_dir/<name>`` (checkpoints resume there after a kill) and measured on
    ``validation``; returns the chosen one's model, tokenizer and training result, and the selection."""
    fitted: dict[str, tuple[LongDocumentClassifier, DocumentTokenizer, TrainResult]] = {}
    scores: list[CandidateFit] = []
    texts, labels = [r.text for r in validation], [r.label for r in validation]
    for name in ep.candidates:
        candidate_params = candidate_model_params(name, mp, ep)
        model, tokenizer, result = fit_classifier(
            train,
            validation,
            candidate_params,
            tp,
            seed,
            work_dir / name,
            on_step=_prefixed(on_step, name),
            progress=progress,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        predicted = predict_documents(model, tokenizer, texts).labels
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        n = max(1, len(texts))
        scores.append(
            CandidateFit(
                name,
                macro_f1(labels, predicted, model.spec.labels),
                accuracy(labels, predicted),
                1000 * wall / n,
                1000 * cpu / n / 3600 * ep.cpu_hour_cost,
                result.fit_seconds,
            )
        )
        fitted[name] = (model, tokenizer, result)
    chosen, reason, policy = recommend(scores, ep.max_ms_per_document)
    folders = {  # the chosen one goes on as the challenger, saved by the training stage
        name: str(save_model_dir(m, t, work_dir / name / "model", {TRAINING_RESULT: r.to_dict()}))
        for name, (m, t, r) in fitted.items()
        if name != chosen
    }
    model, tokenizer, result = fitted[chosen]
    selection = ArchitectureSelection(chosen, f"on validation: {reason}", policy, tuple(scores), folders)
    return model, tokenizer, result, selection
