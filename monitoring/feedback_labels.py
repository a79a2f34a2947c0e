"""Join feedback labels, which arrive after the predictions, to the inference-log rows they belong to."""

from __future__ import annotations


def labels_by_id(feedback_rows: list[dict]) -> dict[str, str]:
    """The label of each document id; a later feedback row for the same id replaces an earlier one."""
    return {r["id"]: r["label"] for r in feedback_rows if isinstance(r.get("id"), str) and r.get("label")}


def with_feedback_labels(rows: list[dict], labels: dict[str, str]) -> list[dict]:
    """Copies of the rows, each carrying its document's feedback label when one has arrived (matched by id)."""
    return [{**r, "label": labels[r["id"]]} if r.get("id") in labels else dict(r) for r in rows]
