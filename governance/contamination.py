"""N-gram overlap (13-gram style) between training text and evaluation or benchmark text.

Every n-gram of every document is hashed (``word_hashing``); the evaluation n-grams go into two tables
indexed by different bits of the hash, so each training n-gram costs two table look-ups, and only the few
that pass both are checked exactly against the evaluation n-grams. Each training document is scanned
whole, so a short passage copied into a very long document is still found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.records import Record
from governance.word_hashing import WordHashes, hash_words, ngram_hashes

_DOCS_PER_CHUNK = 2048


@dataclass(frozen=True)
class ContaminationHit:
    train_id: str
    eval_id: str
    shared_ngrams: int
    eval_coverage: float  # fraction of the evaluation document's n-grams found in the training document


class _HashTable:
    """A set of 64-bit hashes as a boolean table indexed by some of their bits: membership may be a false
    positive, never a false negative. (One byte per slot: filling it is a plain scatter, much faster than
    or-ing bits into packed bytes.)"""

    def __init__(self, values: np.ndarray, shift: int, bits: int):
        self.shift, self.mask = np.uint64(shift), np.uint64((1 << bits) - 1)
        self.table = np.zeros(1 << bits, dtype=bool)
        self.table[((values >> self.shift) & self.mask).astype(np.int64)] = True

    def member(self, values: np.ndarray) -> np.ndarray:
        """Element-wise membership, like ``np.isin``."""
        return self.table[((values >> self.shift) & self.mask).astype(np.int64)]


def _table_bits(n: int) -> int:
    # about 8 slots per value (a false positive rate near 1/8 per table), at most 512 MB per table
    return int(min(29, max(16, np.ceil(np.log2(max(n, 1) * 8)))))


def contamination_indices(train: WordHashes, evaluation: WordHashes, n: int = 13,
                          min_shared: int = 10) -> list[tuple[int, int, int, float]]:
    """(train index, evaluation index, shared distinct n-grams, evaluation coverage) for each hit.

    A training document is contaminated by an evaluation document when they share at least
    ``min(min_shared, distinct n-grams of the evaluation document)`` n-grams; an n-gram found in several
    evaluation documents counts for the first of them.
    """
    eval_grams, eval_offsets = ngram_hashes(evaluation, n, short_docs_whole=False)
    if len(eval_grams) == 0:
        return []
    bits = _table_bits(len(eval_grams))
    high, low = _HashTable(eval_grams, 64 - bits, bits), _HashTable(eval_grams, 0, bits)
    cand_grams, cand_docs = [], []
    for lo in range(0, len(train), _DOCS_PER_CHUNK):
        hi = min(lo + _DOCS_PER_CHUNK, len(train))
        grams, offsets = ngram_hashes(train.subset(np.arange(lo, hi)), n, short_docs_whole=False)
        keep = np.flatnonzero(high.member(grams))
        keep = keep[low.member(grams[keep])]
        cand_grams.append(grams[keep])
        cand_docs.append(lo + np.searchsorted(offsets, keep, side="right") - 1)
    grams = np.concatenate(cand_grams)
    if len(grams) == 0:
        return []
    docs = np.concatenate(cand_docs)
    # Exact check: which evaluation documents hold the candidate n-grams (the first one owns each n-gram).
    wanted = np.unique(grams)
    pos = np.flatnonzero(_HashTable(wanted, 0, _table_bits(len(wanted))).member(eval_grams))
    pos = pos[np.isin(eval_grams[pos], wanted)]
    if len(pos) == 0:
        return []
    owner_doc = np.searchsorted(eval_offsets, pos, side="right") - 1
    order = np.lexsort((owner_doc, eval_grams[pos]))
    owned, first = np.unique(eval_grams[pos][order], return_index=True)
    owners = owner_doc[order][first]
    found = np.isin(grams, owned)
    grams, docs = grams[found], docs[found]
    # distinct n-grams per training document
    order = np.lexsort((grams, docs))
    grams, docs = grams[order], docs[order]
    first = np.concatenate(([True], (grams[1:] != grams[:-1]) | (docs[1:] != docs[:-1])))
    grams, docs = grams[first], docs[first]
    owner_of = owners[np.searchsorted(owned, grams)]
    pair_keys, shared = np.unique(docs * len(evaluation) + owner_of, return_counts=True)
    train_idx, eval_idx = pair_keys // len(evaluation), pair_keys % len(evaluation)
    hits = []
    sizes: dict[int, int] = {}
    for t, e, k in zip(train_idx.tolist(), eval_idx.tolist(), shared.tolist()):
        if e not in sizes:
            sizes[e] = len(np.unique(eval_grams[eval_offsets[e]:eval_offsets[e + 1]]))
        if k >= min(min_shared, sizes[e]):
            hits.append((t, e, k, round(k / max(1, sizes[e]), 4)))
    return hits


def contamination_hits(train: list[Record], evaluation: list[Record], n: int = 13, min_shared: int = 10,
                       train_words: WordHashes | None = None,
                       eval_words: WordHashes | None = None) -> list[ContaminationHit]:
    train_words = train_words if train_words is not None else hash_words([r.text for r in train])
    eval_words = eval_words if eval_words is not None else hash_words([r.text for r in evaluation])
    return [ContaminationHit(train[t].id, evaluation[e].id, k, cov)
            for t, e, k, cov in contamination_indices(train_words, eval_words, n, min_shared)]
