"""A user's production documents and the feedback labels that arrive for them later, read like training data.

Production documents need ``id`` and ``text`` (the same validation as a dataset's rows; a ``label`` column, if
any, is not read: labels only ever come from a feedback file). Feedback files need ``id`` and ``label``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.readers import iter_rows, read_dataset
from longloop.corpus.records import DataError


@dataclass(frozen=True)
class ProductionDocument:
    id: str
    text: str


def read_production_documents(
    path: str | Path, allowed_roots: list[Path], max_text_chars: int = 400_000
) -> list[ProductionDocument]:
    # benchmark mode requires only id and text, with the same checks on both as training data gets
    records = read_dataset(path, allowed_roots, max_text_chars, benchmark=True).records
    return [ProductionDocument(r.id, r.text) for r in records]


def read_feedback_labels(path: str | Path, allowed_roots: list[Path]) -> dict[str, str]:
    """``id -> label``; a later row for the same id replaces an earlier one (a corrected label)."""
    path, rows = iter_rows(path, allowed_roots)
    labels: dict[str, str] = {}
    for where, row in rows:
        if isinstance(row, DataError):
            raise row
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected an object with fields id, label")
        for name in ("id", "label"):
            value = row.get(name)
            if not isinstance(value, str) or not value.strip():
                raise DataError(f"{where}: field '{name}' is missing or not a non-empty string")
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise DataError(f"{where}: field '{name}' contains control characters")
        labels[row["id"]] = row["label"]
    if not labels:
        raise DataError(f"{path}: no feedback labels")
    return labels


def unknown_labels(labels: dict[str, str], known: set[str]) -> dict[str, str]:
    """The feedback rows whose label the model was never trained on: they are refused, never merged."""
    return {i: label for i, label in labels.items() if label not in known}


def refuse_unknown_labels(labels: dict[str, str], known: set[str], where: str) -> None:
    bad = unknown_labels(labels, known)
    if bad:
        first_id, first = next(iter(bad.items()))
        raise DataError(
            f"{where}: {len(bad)} feedback label(s) the model was never trained on (e.g. id "
            f"{first_id!r}: {first!r}; known: {', '.join(sorted(known))}); set "
            f"data.on_unknown_feedback_label: quarantine to set them aside"
        )
