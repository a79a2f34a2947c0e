"""Counts of bad inputs refused, traversal payloads rejected and kills survived, printed at the end of the
test session."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()

BAD_INPUTS = "bad inputs refused"
TRAVERSAL = "traversal payloads rejected"
KILLS = "kills survived with nothing lost"  # suffixed with the stage: "... (training)"


def count(kind: str, n: int = 1) -> None:
    """Call once a case has been checked to be refused (or survived) the right way, after its assertions."""
    COUNTS[kind] += n
