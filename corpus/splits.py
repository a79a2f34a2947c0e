"""Deterministic train/validation/test assignment by a hash of the record id."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from longloop.corpus.records import DataError, Record


def _unit_interval(key: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(records: list[Record], validation: float, test: float, seed: int) -> list[Record]:
    """Keep a record's given split; otherwise place it by hash so re-runs and appends are stable."""
    out = []
    for rec in records:
        if rec.split is not None:
            out.append(rec)
            continue
        u = _unit_interval(rec.id, seed)
        split = "test" if u < test else "validation" if u < test + validation else "train"
        out.append(replace(rec, split=split))
    return out


def by_split(records: list[Record]) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = {"train": [], "validation": [], "test": []}
    for rec in records:
        groups[rec.split or "train"].append(rec)
    return groups


def check_trainable(records: list[Record], source: str) -> None:
    """Refuse, before any training starts, a split dataset that cannot train a classifier: fewer than two
    labels in train, or validation / test labels never seen in train."""
    groups = by_split(records)
    train_labels = {r.label for r in groups["train"]}
    if len(train_labels) < 2:
        raise DataError(f"{source}: the train split needs at least 2 labels, has {len(train_labels)}")
    for split in ("validation", "test"):
        if not groups[split]:
            raise DataError(f"{source}: the {split} split is empty")
        unseen = sorted({r.label for r in groups[split]} - train_labels)
        if unseen:
            shown = ", ".join(repr(u) for u in unseen[:5]) + (f" and {len(unseen) - 5} more" if len(unseen) > 5 else "")
            raise DataError(f"{source}: labels in the {split} split never seen in train: {shown}")
