"""N-gram overlap (13-gram style) between training text and evaluation or benchmark text.

Every n-gram of every document is hashed (``word_hashing``). The join of the training n-grams against the
evaluation n-grams is done in three steps, each cheaper than the exact join it spares:

1. The evaluation n-grams go into two byte tables indexed by different bits of the hash; the training
   n-grams stream past them a piece at a time (each piece's arrays stay in cache) and only those present in
   both tables are kept, with their document: a small fraction of the training n-grams.
2. The two sides then filter each other in turn with tables built from what the other side kept, sized to
   what is left; each round removes most of the remaining false positives, so what reaches step 3 is
   almost exactly the n-grams the two sides share.
3. The exact join: both sides sorted by hash, the first evaluation document holding an n-gram owns it, and
   the distinct shared n-grams are counted per (training, evaluation) document pair.

Each training document is scanned whole, so a short passage copied into a very long document is still
found; no step can lose a shared n-gram (the tables only have false positives), and step 3 is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from longloop.corpus.records import Record
from longloop.governance.word_hashing import WordHashes, hash_words, ngram_chunks, ngram_hashes

_PIECE = 1 << 16  # hashes per table scatter or probe
_FILTER_ROUNDS = 4  # the two sides filter each other at most this often before the exact join


@dataclass(frozen=True)
class ContaminationHit:
    train_id: str
    eval_id: str
    shared_ngrams: int
    eval_coverage: float  # fraction of the evaluation document's n-grams found in the training document


class _HashTable:
    """A set of 64-bit hashes as a boolean table indexed by ``bits`` of their bits from ``shift`` (circularly):
    membership may be a false positive, never a false negative. (One byte per slot: filling it is a plain
    scatter, much faster than or-ing bits into packed bytes.)"""

    def __init__(self, values: np.ndarray, shift: int, bits: int, memory: np.ndarray | None = None):
        self.shift, self.bits = shift % 64, bits
        if memory is None or len(memory) < 1 << bits:
            self.table = np.zeros(1 << bits, dtype=bool)
        else:  # reuse memory already mapped: a fresh half-gigabyte table costs more in page faults than in use
            self.table = memory[:1 << bits]
            self.table.fill(False)
        for lo in range(0, len(values), _PIECE):  # pieces: the slot arrays stay in cache
            self.table[self._slots(values[lo:lo + _PIECE])] = True

    def _slots(self, values: np.ndarray) -> np.ndarray:
        mask = np.uint64((1 << self.bits) - 1)
        if self.shift + self.bits <= 64:
            slots = values >> np.uint64(self.shift) if self.shift else values.copy()
        else:  # the bits wrap around: rotate
            slots = (values >> np.uint64(self.shift)) | (values << np.uint64(64 - self.shift))
        slots &= mask
        return slots.view(np.int64)

    def member(self, values: np.ndarray) -> np.ndarray:
        """Element-wise membership, like ``np.isin``."""
        if len(values) <= _PIECE:
            return self.table[self._slots(values)]
        return np.concatenate([self.table[self._slots(values[lo:lo + _PIECE])]
                               for lo in range(0, len(values), _PIECE)])


def _table_bits(n: int) -> int:
    # about 8 slots per value (a false positive rate near 1/8 per table), at most 256 MB per table
    return int(min(28, max(12, np.ceil(np.log2(max(n, 1) * 8)))))


def _filter(values: np.ndarray, by: np.ndarray, shift: int, memory: np.ndarray) -> np.ndarray:
    """Indices of ``values`` that may be in ``by`` (a table of ``by``, probed a piece at a time)."""
    table = _HashTable(by, shift, _table_bits(len(by)), memory)
    return np.concatenate([lo + np.flatnonzero(table.member(values[lo:lo + _PIECE]))
                           for lo in range(0, len(values), _PIECE)] or [np.zeros(0, dtype=np.int64)])


def _distinct_count(values: np.ndarray) -> int:
    if len(values) < 2:
        return len(values)
    values = np.sort(values)
    return 1 + int(np.count_nonzero(values[1:] != values[:-1]))


def contamination_indices(train: WordHashes, evaluation: WordHashes, n: int = 13,
                          min_shared: int = 10) -> list[tuple[int, int, int, float]]:
    """(train index, evaluation index, shared distinct n-grams, evaluation coverage) for each hit.

    A training document is contaminated by an evaluation document when they share at least
    ``min(min_shared, distinct n-grams of the evaluation document)`` n-grams; an n-gram found in several
    evaluation documents counts for the first of them.
    """
    eval_grams, eval_offsets = ngram_hashes(evaluation, n, short_docs_whole=False)
    if len(eval_grams) == 0 or len(train) == 0:
        return []
    # 1. training n-grams against two tables of the evaluation n-grams
    bits = _table_bits(len(eval_grams))
    memory = np.empty(2 << bits, dtype=bool)  # both tables of step 1; step 2 reuses it
    high = _HashTable(eval_grams, 64 - bits, bits, memory[:1 << bits])
    low = _HashTable(eval_grams, 0, bits, memory[1 << bits:])
    cand_grams, cand_docs = [], []
    for lo, hi, grams, offsets in ngram_chunks(train, n, short_docs_whole=False):
        keep = np.flatnonzero(high.member(grams))
        keep = keep[low.member(grams[keep])]
        cand_grams.append(grams[keep])
        cand_docs.append(lo + np.searchsorted(offsets, keep, side="right") - 1)
    t_grams, t_docs = np.concatenate(cand_grams), np.concatenate(cand_docs)
    if len(t_grams) == 0:
        return []
    # 2. each side filters the other with a table of what the other side kept (fresh bits each round)
    e_grams, e_pos = eval_grams, None
    for r in range(_FILTER_ROUNDS):
        if r % 2 == 0:
            keep = _filter(e_grams, t_grams, 13 * r + 7, memory)
            e_grams, e_pos = e_grams[keep], keep if e_pos is None else e_pos[keep]
            if len(e_grams) == 0:
                return []
        else:
            before = len(t_grams)
            keep = _filter(t_grams, e_grams, 13 * r + 7, memory)
            t_grams, t_docs = t_grams[keep], t_docs[keep]
            if len(t_grams) == 0:
                return []
            if len(t_grams) > 0.95 * before:  # little left to gain: what is left is (almost) all shared
                break
    e_docs = np.searchsorted(eval_offsets, e_pos, side="right") - 1
    # 3. exact join. Evaluation side by hash (stable: documents ascending), the first holder owns the n-gram.
    order = np.argsort(e_grams, kind="stable")
    e_grams, e_docs = e_grams[order], e_docs[order]
    first = np.empty(len(e_grams), dtype=bool)
    first[0] = True
    np.not_equal(e_grams[1:], e_grams[:-1], out=first[1:])
    owned, owners = e_grams[first], e_docs[first]
    # Training side by hash too (stable: documents ascending), so each look-up below is a merge, not a search.
    order = np.argsort(t_grams, kind="stable")
    t_grams, t_docs = t_grams[order], t_docs[order]
    at = np.searchsorted(owned, t_grams)
    at[at == len(owned)] = 0
    shared = owned[at] == t_grams
    t_grams, t_docs, at = t_grams[shared], t_docs[shared], at[shared]
    if len(t_grams) == 0:
        return []
    once = np.empty(len(t_grams), dtype=bool)  # each distinct n-gram once per training document
    once[0] = True
    once[1:] = (t_grams[1:] != t_grams[:-1]) | (t_docs[1:] != t_docs[:-1])
    pair_keys = np.sort(t_docs[once] * len(evaluation) + owners[at[once]])
    starts = np.flatnonzero(np.concatenate(([True], pair_keys[1:] != pair_keys[:-1])))
    counts = np.diff(np.append(starts, len(pair_keys)))
    pair_keys = pair_keys[starts]
    train_idx, eval_idx = pair_keys // len(evaluation), pair_keys % len(evaluation)
    hits = []
    sizes: dict[int, int] = {}
    for t, e, k in zip(train_idx.tolist(), eval_idx.tolist(), counts.tolist()):
        if e not in sizes:
            sizes[e] = _distinct_count(eval_grams[eval_offsets[e]:eval_offsets[e + 1]])
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
