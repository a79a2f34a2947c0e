"""Evaluate a saved model folder on the held-out splits of a split dataset file: what the evaluation task of
the loop and the DVC ``evaluate`` stage (``evaluate_to_file``) both run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.atomic_files import write_json_atomic
from longloop.corpus.dataset_files import read_records
from longloop.corpus.one_line import one_line
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError, Record
from longloop.corpus.splits import by_split
from longloop.evaluation.evaluate import evaluate_classifier
from longloop.settings.params import EvaluationParams
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.folder_checksums import ModelIntegrityError, verify_model_dir
from longloop.training.inference import Predictions
from longloop.training.model import LongDocumentClassifier
from longloop.training.model_io import load_model_dir


@dataclass
class FolderEvaluation:
    metrics: dict  # JSON-safe: what evaluation.json holds
    predictions: Predictions  # on the test split
    splits: dict[str, list[Record]]
    model: LongDocumentClassifier
    tokenizer: DocumentTokenizer


def evaluate_model_folder(
    model_dir: Path,
    dataset_path: Path,
    params: EvaluationParams,
    seed: int,
    plot_dir: Path | None = None,
    with_comparisons: bool = True,
) -> FolderEvaluation:
    """Test-split metrics, the temperature fitted on validation, and (``with_comparisons``) the first-512-token
    and TF-IDF baselines trained on the train split."""
    splits = by_split(read_records(Path(dataset_path)))
    model, tokenizer = load_model_dir(model_dir)
    test, val, train = splits["test"], splits["validation"], splits["train"]
    metrics, preds = evaluate_classifier(
        model,
        tokenizer,
        [r.text for r in test],
        [r.label for r in test],
        [r.text for r in val],
        [r.label for r in val],
        params.length_buckets,
        params.calibration_bins,
        plot_dir,
        train_texts=[r.text for r in train] if with_comparisons else None,
        train_labels=[r.label for r in train] if with_comparisons else None,
        seed=seed,
    )
    return FolderEvaluation(metrics, preds, splits, model, tokenizer)


@dataclass(frozen=True)
class EvaluatedFile:
    metrics: dict  # what was written: evaluation.json's content
    path: Path

    def to_dict(self) -> dict:
        return self.metrics


def evaluate_to_file(
    model_dir: str,
    dataset_path: str,
    out: str,
    allowed_roots: Sequence[Path],
    params: EvaluationParams,
    seed: int,
    plot_dir: str | None = None,
) -> EvaluatedFile:
    """``evaluate_model_folder`` with the metrics written to ``out`` as JSON (the DVC ``evaluate`` stage). Every
    path must lie inside ``allowed_roots``; a missing dataset or an incomplete model folder is a one-line
    ``DataError``, raised before anything is evaluated."""
    roots = list(allowed_roots)
    model, data = resolve_inside(model_dir, roots), resolve_inside(dataset_path, roots)
    path = resolve_inside(out, roots)
    plots = resolve_inside(plot_dir, roots) if plot_dir else None
    if not data.is_file():
        raise DataError(f"{dataset_path}: file not found")
    try:
        verify_model_dir(model)
    except (OSError, ValueError, ModelIntegrityError) as exc:
        raise DataError(f"{model_dir}: not a complete model folder ({one_line(str(exc))[:200]})") from None
    metrics = evaluate_model_folder(model, data, params, seed, plots).metrics
    write_json_atomic(path, metrics)
    return EvaluatedFile(metrics, path)
