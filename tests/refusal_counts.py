"""Counts of bad inputs refused and traversal payloads rejected, printed at the end of the test session."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()

BAD_INPUTS = "bad inputs refused"
TRAVERSAL = "traversal payloads rejected"


def count(kind: str) -> None:
    """Call once a case has been checked to be refused the right way (after its assertions)."""
    COUNTS[kind] += 1
