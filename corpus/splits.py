"""Deterministic train/validation/test assignment by a hash of the record id."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from corpus.records import Record


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
