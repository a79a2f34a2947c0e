"""N-gram overlap (13-gram style) between training text and evaluation or benchmark text.

Evaluation n-grams are hashed into one set; each training document is scanned once, so a short
passage copied into a very long document is still found.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.records import Record
from governance.text_normalization import normalized_words


@dataclass(frozen=True)
class ContaminationHit:
    train_id: str
    eval_id: str
    shared_ngrams: int
    eval_coverage: float  # fraction of the evaluation document's n-grams found in the training document


def _ngram_hashes(words: list[str], n: int) -> list[int]:
    return [hash(tuple(words[i:i + n])) for i in range(len(words) - n + 1)]


def contamination_hits(train: list[Record], evaluation: list[Record], n: int = 13,
                       min_shared: int = 10) -> list[ContaminationHit]:
    owner: dict[int, str] = {}
    eval_sizes: dict[str, int] = {}
    for rec in evaluation:
        grams = set(_ngram_hashes(normalized_words(rec.text), n))
        eval_sizes[rec.id] = len(grams)
        for g in grams:
            owner.setdefault(g, rec.id)
    hits = []
    for rec in train:
        counts: dict[str, int] = {}
        for g in set(_ngram_hashes(normalized_words(rec.text), n)):
            eid = owner.get(g)
            if eid is not None:
                counts[eid] = counts.get(eid, 0) + 1
        for eid, shared in counts.items():
            if shared >= min(min_shared, eval_sizes[eid]):
                hits.append(ContaminationHit(rec.id, eid, shared, round(shared / max(1, eval_sizes[eid]), 4)))
    return hits
