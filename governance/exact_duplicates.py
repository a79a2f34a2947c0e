"""Exact duplicates after normalisation (case, punctuation, whitespace, Unicode form)."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from corpus.records import Record
from governance.text_normalization import normalized_text


def exact_duplicate_groups(records: list[Record]) -> list[list[Record]]:
    """Groups of two or more records whose normalised texts are identical."""
    groups: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        groups[hashlib.sha256(normalized_text(rec.text).encode()).hexdigest()].append(rec)
    return [g for g in groups.values() if len(g) > 1]
