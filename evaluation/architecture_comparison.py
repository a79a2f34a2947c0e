"""The architecture report: every candidate trained and tested on the same split, side by side on quality
(accuracy, macro-F1, calibration, accuracy by length) and cost (training seconds, inference milliseconds and
CPU cost per 1,000 documents, peak memory), the cost-quality Pareto front, and a recommendation by a stated
policy: the best macro-F1 within the latency budget, the cheaper one on a tie.

Candidates are the architectures of ``training/architectures`` under the configured model and training
parameters, the traditional baseline (TF-IDF + logistic regression, ``BASELINE``) among them: each is trained,
saved-as-servable and measured the same way, so the one recommended is the one ``model.architecture`` would
deploy. Each candidate's temperature is fitted on the validation split before its calibration is measured, so
their ECEs compare. Length buckets count the tokens of the first candidate's tokenizer, so every candidate is
sliced on the same documents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from longloop.corpus.atomic_files import write_json_atomic
from longloop.corpus.dataset_files import read_records, write_records
from longloop.corpus.records import DataError, Record
from longloop.corpus.splits import by_split
from longloop.evaluation.calibration import expected_calibration_error, fit_temperature, softmax
from longloop.evaluation.classification_metrics import accuracy, accuracy_by_length, macro_f1, macro_f1_by_length
from longloop.settings.params import EvaluationParams, ModelParams, TrainingParams
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents
from longloop.training.model_io import TRAINING_RESULT, load_model_dir
from longloop.training.peak_memory import peak_memory_mb, reset_peak_memory, resident_mb

BASELINE = "tfidf_logreg"


@dataclass(frozen=True)
class CandidateResult:
    name: str
    kind: str  # transformer | baseline
    accuracy: float
    macro_f1: float
    ece: float
    by_length: dict[str, dict]
    train_seconds: float
    ms_per_document: float  # inference wall time on the test split
    cpu_seconds_per_1000_documents: float
    cost_per_1000_documents: float  # CPU seconds priced at evaluation.cpu_hour_cost
    # How far the peak rose over what the process held, while training (fit_classifier's fit_memory_mb) or
    # while scoring the validation and test splits, whichever rose more.
    peak_memory_mb: float
    parameters: int  # weights (for the baseline: its coefficients, zero where a feature never occurred)
    # Training throughput: real tokens per second inside training steps (the baseline: of its one-step fit),
    # and the share of the tokens computed that were real ones (packed and the baseline: 1.0; padded: less).
    train_tokens_per_second: float = 0.0
    real_token_fraction: float = 1.0
    # Measured from the model folder the training stage made on the same split (the challenger, or a candidate
    # of auto's selection) rather than trained again for the report.
    reused: bool = False


@dataclass(frozen=True)
class ArchitectureReport:
    candidates: list[CandidateResult]
    pareto: list[str]  # no other candidate is both cheaper and better
    recommended: str
    reason: str
    policy: str
    test_documents: int
    plot: str | None = None

    def to_dict(self) -> dict:
        return {
            "candidates": [asdict(c) for c in self.candidates],
            "pareto": list(self.pareto),
            "recommended": self.recommended,
            "reason": self.reason,
            "policy": self.policy,
            "test_documents": self.test_documents,
            "plot": self.plot,
        }

    def table(self) -> str:
        columns = ("macro-F1", 8), ("acc", 6), ("ECE", 6), ("train s", 8), ("ms/doc", 8), ("$/1k", 9), ("peak MB", 8)
        head = f"{'candidate':<20} " + " ".join(f"{name:>{width}}" for name, width in columns)
        rows = [head] + [
            f"{c.name:<20} {c.macro_f1:>8.4f} {c.accuracy:>6.3f} {c.ece:>6.3f} {c.train_seconds:>8.1f} "
            f"{c.ms_per_document:>8.2f} {c.cost_per_1000_documents:>9.6f} {c.peak_memory_mb:>8.0f}"
            + (" *" if c.name in self.pareto else "")
            for c in self.candidates
        ]
        return "\n".join(
            rows + ["* on the cost / macro-F1 Pareto front", f"recommended: {self.recommended} ({self.reason})"]
        )


def pareto_front(candidates: list[CandidateResult]) -> list[str]:
    def dominates(a: CandidateResult, b: CandidateResult) -> bool:
        return (
            a.cost_per_1000_documents <= b.cost_per_1000_documents
            and a.macro_f1 >= b.macro_f1
            and (a.cost_per_1000_documents < b.cost_per_1000_documents or a.macro_f1 > b.macro_f1)
        )

    return [c.name for c in candidates if not any(dominates(o, c) for o in candidates if o is not c)]


class Scored(Protocol):
    """What the policy reads of a candidate: a test result here, a validation fit in architecture_selection."""

    @property
    def name(self) -> str: ...
    @property
    def macro_f1(self) -> float: ...
    @property
    def ms_per_document(self) -> float: ...
    @property
    def cost_per_1000_documents(self) -> float: ...


def recommend(candidates: Sequence[Scored], max_ms_per_document: float | None) -> tuple[str, str, str]:
    """(name, reason, policy): the best macro-F1 within the budget, the cheaper on a tie; with none within the
    budget, the fastest."""
    policy = (
        "best macro-F1"
        + (f" within {max_ms_per_document:g} ms per document" if max_ms_per_document is not None else "")
        + ", the cheaper on a tie"
    )
    within = [c for c in candidates if max_ms_per_document is None or c.ms_per_document <= max_ms_per_document]
    if not within:
        fastest = min(candidates, key=lambda c: c.ms_per_document)
        return fastest.name, f"no candidate within the budget; {fastest.name} is the fastest", policy
    best = max(within, key=lambda c: (c.macro_f1, -c.cost_per_1000_documents))
    others = [c for c in within if c is not best]
    runner = max(others, key=lambda c: c.macro_f1) if others else None
    reason = f"macro-F1 {best.macro_f1:.4f} at {best.ms_per_document:.2f} ms per document" + (
        f", against {runner.name}'s {runner.macro_f1:.4f} at {runner.ms_per_document:.2f}" if runner else ""
    )
    return best.name, reason, policy


def _label_index(labels: tuple[str, ...], values: list[str]) -> np.ndarray:
    index = {l: i for i, l in enumerate(labels)}
    return np.array([index.get(v, -1) for v in values])


def _ece(logits: np.ndarray, y: np.ndarray, val_logits: np.ndarray, val_y: np.ndarray, bins: int) -> float:
    known, val_known = y >= 0, val_y >= 0
    temperature = fit_temperature(val_logits[val_known], val_y[val_known])
    return expected_calibration_error(softmax(logits[known], temperature), y[known], bins)


@dataclass(frozen=True)
class _Setup:
    """What every candidate is trained and measured with; travels to a child process as JSON."""

    model: ModelParams
    training: TrainingParams
    evaluation: EvaluationParams
    seed: int
    work_dir: Path
    progress: bool

    def to_json(self) -> dict:
        return {
            "model": self.model.model_dump(mode="json"),
            "training": self.training.model_dump(mode="json"),
            "evaluation": self.evaluation.model_dump(mode="json"),
            "seed": self.seed,
            "work_dir": str(self.work_dir),
            "progress": self.progress,
        }

    @classmethod
    def from_json(cls, raw: dict) -> _Setup:
        return cls(  # validated from JSON text: the strict models take JSON arrays as their tuples
            ModelParams.model_validate_json(json.dumps(raw["model"])),
            TrainingParams.model_validate_json(json.dumps(raw["training"])),
            EvaluationParams.model_validate_json(json.dumps(raw["evaluation"])),
            raw["seed"],
            Path(raw["work_dir"]),
            raw["progress"],
        )


def candidate_model_params(name: str, mp: ModelParams, ep: EvaluationParams) -> ModelParams:
    """The model section a candidate trains with: the configured one under its own architecture;
    the long-context encoder with its own context (``evaluation.long_context_tokens``), built from the config."""
    update: dict = {"architecture": name}
    if name == "long_context_encoder":
        context = ep.long_context_tokens
        update.update(pretrained_dir=None, context_tokens=context, window_stride=context - context // 8)
    return ModelParams.model_validate({**mp.model_dump(), **update})


def _measured_candidate(
    name: str,
    splits: dict[str, list[Record]],
    setup: _Setup,
    lengths: list[int] | None,
    fitted_dir: Path | None = None,
) -> tuple[CandidateResult, list[int]]:
    """One candidate trained on the train split and measured on the test split; with ``fitted_dir``, the model
    folder that training already made for it on the same split (the challenger, or a candidate of ``auto``'s
    selection) is measured instead, with the training figures it recorded."""
    train, val, test = splits["train"], splits["validation"], splits["test"]
    ep = setup.evaluation
    if fitted_dir is None:
        model, tok, result = fit_classifier(
            train,
            val,
            candidate_model_params(name, setup.model, setup.evaluation),
            setup.training,
            setup.seed,
            setup.work_dir / name,
            progress=setup.progress,
        )
        trained = result.to_dict()
    else:
        model, tok = load_model_dir(fitted_dir)
        trained = json.loads((fitted_dir / TRAINING_RESULT).read_text(encoding="utf-8"))
    before = resident_mb()
    reset_peak_memory()
    val_preds = predict_documents(model, tok, [r.text for r in val])
    start, cpu = time.perf_counter(), time.process_time()
    preds = predict_documents(model, tok, [r.text for r in test])
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    peak = max(trained["fit_memory_mb"], peak_memory_mb() - before)
    labels = [r.label for r in test]
    lengths = lengths if lengths is not None else preds.n_tokens
    ece = _ece(
        preds.logits,
        _label_index(model.spec.labels, labels),
        val_preds.logits,
        _label_index(model.spec.labels, [r.label for r in val]),
        ep.calibration_bins,
    )
    return _result(
        name,
        "baseline" if name == BASELINE else "transformer",
        labels,
        preds.labels,
        model.spec.labels,
        ece,
        lengths,
        ep,
        trained["fit_seconds"],
        seconds,
        cpu_seconds,
        peak,
        sum(p.numel() for p in model.parameters()),
        trained["tokens_per_second"],
        trained["real_token_fraction"],
        reused=fitted_dir is not None,
    ), lengths


def _result(
    name: str,
    kind: str,
    labels: list[str],
    predicted: list[str],
    label_set: tuple[str, ...],
    ece: float,
    lengths: list[int],
    ep: EvaluationParams,
    train_seconds: float,
    seconds: float,
    cpu_seconds: float,
    peak: float,
    parameters: int,
    tokens_per_second: float,
    real_fraction: float,
    reused: bool = False,
) -> CandidateResult:
    n = max(1, len(labels))
    cpu_per_1000 = 1000 * cpu_seconds / n
    by_length = accuracy_by_length(labels, predicted, lengths, ep.length_buckets)
    for bucket, f1 in macro_f1_by_length(labels, predicted, lengths, ep.length_buckets).items():
        by_length[bucket]["macro_f1"] = f1
    return CandidateResult(
        name=name,
        kind=kind,
        accuracy=accuracy(labels, predicted),
        macro_f1=macro_f1(labels, predicted, label_set),
        ece=ece,
        by_length=by_length,
        train_seconds=train_seconds,
        ms_per_document=1000 * seconds / n,
        cpu_seconds_per_1000_documents=cpu_per_1000,
        cost_per_1000_documents=cpu_per_1000 / 3600 * ep.cpu_hour_cost,
        peak_memory_mb=max(0.0, peak),
        parameters=parameters,
        train_tokens_per_second=tokens_per_second,
        real_token_fraction=real_fraction,
        reused=reused,
    )


def _candidate_in_child(
    name: str, records: Path, setup: _Setup, lengths: list[int] | None
) -> tuple[CandidateResult, list[int]]:
    """``_measured_candidate`` in a fresh interpreter (``python -m longloop.evaluation.candidate_run``), so that
    its peak memory is its own: memory an earlier candidate freed stays with this process's allocator and would
    hide the next one's. ``records``: the split records, written once for every candidate. Requests and results
    travel as JSON files."""
    folder = setup.work_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    request, result_path = folder / "request.json", folder / "result.json"
    request.write_text(
        json.dumps(
            {
                "name": name,
                "records": str(records),
                "setup": setup.to_json(),
                "lengths": lengths,
                "result": str(result_path),
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "longloop.evaluation.candidate_run", str(request), str(os.getpid())], check=False
    )
    if done.returncode != 0 or not result_path.is_file():
        raise RuntimeError(f"candidate {name} failed (exit {done.returncode}); its error is above")
    out = json.loads(result_path.read_text())
    return CandidateResult(**out["result"]), out["lengths"]


def run_candidate_request(request_path: Path) -> None:
    """The child's side of ``_candidate_in_child``."""
    request = json.loads(request_path.read_text())
    splits = by_split(read_records(Path(request["records"])))
    result, lengths = _measured_candidate(
        request["name"], splits, _Setup.from_json(request["setup"]), request["lengths"]
    )
    write_json_atomic(Path(request["result"]), {"result": asdict(result), "lengths": lengths})


def compare_architectures(
    splits: dict[str, list[Record]],
    mp: ModelParams,
    tp: TrainingParams,
    ep: EvaluationParams,
    seed: int,
    work_dir: Path,
    plot_path: Path | None = None,
    progress: bool = True,
    on_candidate: Callable[[CandidateResult], None] | None = None,
    in_child: bool = True,
    fitted: Mapping[str, Path] | None = None,
) -> ArchitectureReport:
    """Every candidate of ``ep.candidates`` on ``splits`` (train, validation, test), in order; ``in_child``: each
    candidate trained in a fresh process of its own (its peak memory is then its own; progress shows there).
    ``fitted``: model folders already trained on this train split, by candidate name, measured rather than
    trained again."""
    if not splits["train"] or not splits["validation"] or not splits["test"]:
        raise DataError("the comparison needs documents in each of the train, validation and test splits")
    results: list[CandidateResult] = []
    lengths: list[int] | None = None
    setup = _Setup(mp, tp, ep, seed, work_dir, progress)
    records = work_dir / "records.jsonl"
    fitted = fitted or {}
    if in_child and any(name not in fitted for name in ep.candidates):
        write_records(records, [r for part in ("train", "validation", "test") for r in splits[part]])
    for name in ep.candidates:
        if name in fitted:
            result, lengths = _measured_candidate(name, splits, setup, lengths, Path(fitted[name]))
        elif in_child:
            result, lengths = _candidate_in_child(name, records, setup, lengths)
        else:
            result, lengths = _measured_candidate(name, splits, setup, lengths)
        results.append(result)
        if on_candidate is not None:
            on_candidate(result)
    recommended, reason, policy = recommend(results, ep.max_ms_per_document)
    front = pareto_front(results)
    plot = None
    if plot_path is not None:
        from longloop.evaluation.report_plots import pareto_chart

        plot = str(pareto_chart([asdict(c) for c in results], front, recommended, plot_path))
    return ArchitectureReport(results, front, recommended, reason, policy, len(splits["test"]), plot)
