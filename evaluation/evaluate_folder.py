"""Evaluate a saved model folder on the held-out splits of a split dataset file: what the evaluation task of
the loop and the DVC ``evaluate`` stage both run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.dataset_files import read_records
from longloop.corpus.records import Record
from longloop.corpus.splits import by_split
from longloop.evaluation.evaluate import evaluate_classifier
from longloop.settings.params import EvaluationParams
from longloop.training.document_tokenizer import DocumentTokenizer
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
