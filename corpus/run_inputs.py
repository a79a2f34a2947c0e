"""Every input file of a run checked before any flow starts, so bad input fails in one line and in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.dataset_files import read_records
from longloop.corpus.production_files import read_feedback_labels, read_production_documents, refuse_unknown_labels
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError
from longloop.corpus.splits import assign_splits, check_trainable


@dataclass(frozen=True)
class InputRules:
    """What of ``data`` in params.yaml the checks need (corpus sits below settings, so it gets plain values)."""

    max_text_chars: int
    quarantine_bad_rows: bool
    refuse_unknown_feedback_labels: bool
    validation_share: float
    test_share: float
    seed: int


def check_run_inputs(
    data: str | None, production: str | None, feedback: str | None, allowed_roots: list[Path], params: InputRules
) -> None:
    """The files of a ``longloop run``, read and judged before any flow starts. Without ``data`` the run is the
    demo's, which is watched with its own synthetic traffic and takes no production or feedback file."""
    if (production or feedback) and not data:
        raise DataError(
            "--production and --feedback belong to a dataset of your own: give --data too "
            "(the demo corpus is watched with its own synthetic traffic)"
        )
    if feedback and not production:
        raise DataError("--feedback labels documents the model served: give them with --production")
    if not data:
        return
    res = read_dataset(data, allowed_roots, params.max_text_chars, quarantine=params.quarantine_bad_rows)
    records = assign_splits(res.records, params.validation_share, params.test_share, params.seed)
    check_trainable(records, data)
    _check_traffic(production, feedback, allowed_roots, {r.label for r in records}, params)


def check_replay_inputs(
    production: str, feedback: str | None, allowed_roots: list[Path], dataset: Path, params: InputRules
) -> None:
    if not dataset.is_file():
        raise DataError("no model has been trained here yet: run `longloop run --data FILE` first")
    _check_traffic(production, feedback, allowed_roots, {r.label for r in read_records(dataset)}, params)


def _check_traffic(
    production: str | None, feedback: str | None, allowed_roots: list[Path], known: set[str], params: InputRules
) -> None:
    if production:
        docs = read_production_documents(production, allowed_roots, params.max_text_chars)
        if feedback:
            labels = read_feedback_labels(feedback, allowed_roots)
            if params.refuse_unknown_feedback_labels:
                refuse_unknown_labels(labels, known, feedback)
            if not set(labels) & {d.id for d in docs}:
                raise DataError(f"{feedback}: no feedback id matches a document id of {production}")
