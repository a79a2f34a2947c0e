"""Label leakage: the label string itself, or an id-like token, that gives the label away inside the text."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from corpus.records import Record
from governance.text_normalization import normalized_words

_ID_LIKE = re.compile(r"(?=.*\d)[a-z0-9_]{3,}$")


@dataclass(frozen=True)
class LeakyToken:
    token: str
    label: str
    coverage: float  # share of the label's documents that contain the token
    purity: float  # share of documents containing the token that carry the label
    kind: str  # "label-string" | "id-like"


def leaky_tokens(records: list[Record], min_coverage: float = 0.3, min_purity: float = 0.95,
                 min_documents: int = 5) -> list[LeakyToken]:
    label_sizes = Counter(r.label for r in records)
    label_words = {r.label: normalized_words(r.label) for r in records}
    per_token: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        words = set(normalized_words(rec.text))
        candidates = {w for w in words if _ID_LIKE.match(w)}
        candidates |= {w for lw in label_words.values() if len(lw) == 1 for w in lw if w in words}
        for w in candidates:
            per_token[w][rec.label] += 1
    found = []
    for token, counts in per_token.items():
        total = sum(counts.values())
        label, n = counts.most_common(1)[0]
        coverage, purity = n / label_sizes[label], n / total
        if n >= min_documents and coverage >= min_coverage and purity >= min_purity:
            kind = "label-string" if label_words[label] == [token] else "id-like"
            found.append(LeakyToken(token, label, round(coverage, 4), round(purity, 4), kind))
    return found
