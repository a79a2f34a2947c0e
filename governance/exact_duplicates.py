"""Exact duplicates after normalisation (case, punctuation, whitespace, Unicode form)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from longloop.corpus.records import Record
from longloop.governance.word_hashing import WordHashes, chunk_bounds, hash_words, mix64, word_powers

_WORDS_PER_CHUNK = 1 << 18


def document_keys(words: WordHashes) -> np.ndarray:
    """A 64-bit key per document from its word hashes in order (equal texts, equal keys): the polynomial
    hash of the whole document, as ``ngram_hashes`` computes for an n-gram, mixed with the length."""
    keys = np.zeros(len(words), dtype=np.uint64)
    lengths = words.lengths()
    for lo, hi in chunk_bounds(words, _WORDS_PER_CHUNK):
        w0, w1 = int(words.offsets[lo]), int(words.offsets[hi])
        nonempty = np.flatnonzero(lengths[lo:hi] > 0)
        if len(nonempty) == 0:
            continue
        fwd, bwd = word_powers(w1 - w0)
        starts = (words.offsets[lo:hi] - w0)[nonempty]
        # sum of h[i] * p**i over each document, then times p**-start: independent of where the document sits
        sums = np.add.reduceat(words.hashes[w0:w1] * fwd, starts) * bwd[starts]
        keys[lo + nonempty] = mix64(sums + lengths[lo:hi][nonempty].astype(np.uint64))
    return keys


def exact_duplicate_index_groups(words: WordHashes) -> list[list[int]]:
    """Groups (by index, in input order) of two or more documents with identical normalised words."""
    keys = document_keys(words)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    candidates: dict[int, list[int]] = defaultdict(list)
    for i in np.unique(np.concatenate([repeated, repeated + 1])).tolist():
        candidates[int(sorted_keys[i])].append(int(order[i]))
    groups = []
    for members in candidates.values():
        # a 64-bit key may collide: confirm by the word hashes themselves
        exact: dict[bytes, list[int]] = defaultdict(list)
        for m in sorted(members):
            exact[words.doc(m).tobytes()].append(m)
        groups += [g for g in exact.values() if len(g) > 1]
    return sorted(groups)


def exact_duplicate_groups(records: list[Record], words: WordHashes | None = None) -> list[list[Record]]:
    """Groups of two or more records whose normalised texts are identical."""
    words = words if words is not None else hash_words([r.text for r in records])
    return [[records[i] for i in g] for g in exact_duplicate_index_groups(words)]
