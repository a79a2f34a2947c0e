"""Exact duplicates after normalisation (case, punctuation, whitespace, Unicode form)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from corpus.records import Record
from governance.word_hashing import WordHashes, hash_words, mix64

_WORDS_PER_CHUNK = 1 << 22


def document_keys(words: WordHashes) -> np.ndarray:
    """A 64-bit key per document from its word hashes and their positions (equal texts, equal keys)."""
    keys = np.zeros(len(words), dtype=np.uint64)
    lengths = words.lengths()
    lo = 0
    while lo < len(words):
        hi = int(np.searchsorted(words.offsets, words.offsets[lo] + _WORDS_PER_CHUNK, side="right"))
        hi = min(max(hi - 1, lo + 1), len(words))
        w0, w1 = int(words.offsets[lo]), int(words.offsets[hi])
        position = np.arange(w1 - w0, dtype=np.int64) - np.repeat(words.offsets[lo:hi] - w0, lengths[lo:hi])
        values = mix64(words.hashes[w0:w1] ^ mix64(position.astype(np.uint64) + np.uint64(1)))
        nonempty = np.flatnonzero(lengths[lo:hi] > 0)
        if len(nonempty):
            sums = np.add.reduceat(values, (words.offsets[lo:hi] - w0)[nonempty])
            keys[lo + nonempty] = mix64(sums + lengths[lo:hi][nonempty].astype(np.uint64))
        lo = hi
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
