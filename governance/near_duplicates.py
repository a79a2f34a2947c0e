"""Near duplicates: MinHash sketches and LSH banding in numpy, every candidate confirmed by exact Jaccard.

Each document is a set of word shingles (``shingle_words`` consecutive normalised words). Its sketch is a
one-permutation MinHash: every shingle hash falls into one of ``num_perm`` bins by its top bits and the
bin keeps its smallest hash, so a sketch costs one pass over the shingles instead of one per permutation;
empty bins of short documents are filled from the next non-empty bin (rotation densification), which keeps
the probability that two sketches agree in a bin equal to the Jaccard similarity. The sketch is cut into
bands; documents that agree on a whole band become candidates. The band size is chosen so that a pair
at the reporting threshold becomes a candidate with probability at least 0.999, so candidates reach well
below the threshold and the verification step, exact Jaccard of the shingle sets, decides.

Why small shingles: a copy with 3% of its words changed keeps about 0.97**k of its k-word shingles, a
Jaccard of about 0.75 with 5-word shingles but 0.84 with 3-word shingles, while unrelated documents stay
near 0 either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from longloop.corpus.records import Record
from longloop.governance.word_hashing import WordHashes, hash_words, mix64, ngram_chunks, ngram_hashes

_EMPTY = np.iinfo(np.uint64).max


@dataclass(frozen=True)
class NearDuplicatePair:
    a: str
    b: str
    jaccard: float


def band_layout(num_perm: int, threshold: float, min_recall: float = 0.999) -> tuple[int, int]:
    """(bands, rows): the most rows per band that still make a pair at ``threshold`` a candidate with
    probability ``min_recall`` (fewer rows: more candidates, all checked exactly)."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= min_recall:
            return bands, rows
    return num_perm, 1


def minhash_sketches(words: WordHashes, shingle_words: int, num_perm: int, seed: int = 1) -> np.ndarray:
    """One-permutation MinHash sketches, shape (documents, num_perm), densified."""
    salt = mix64(np.array([seed], dtype=np.uint64))[0]  # xor with a constant: another random order of the hashes
    sketches = np.empty((len(words), num_perm), dtype=np.uint64)
    cols = np.arange(num_perm)
    log2 = num_perm.bit_length() - 1
    for lo, hi, shingles, offsets in ngram_chunks(words, shingle_words, short_docs_whole=True):
        h = shingles ^ salt
        doc = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(offsets))
        if num_perm == 1 << log2:  # the top bits pick the bin
            slot = (h >> np.uint64(64 - log2)).view(np.int64) if log2 else np.zeros(len(h), dtype=np.int64)
            slot += doc << log2
        else:  # multiply-shift: any num_perm
            slot = (((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)).view(np.int64)
            slot += doc * num_perm
        sk = np.full((hi - lo) * num_perm, _EMPTY, dtype=np.uint64)
        np.minimum.at(sk, slot, h)
        sk = sk.reshape(hi - lo, num_perm)
        empty = sk == _EMPTY
        if empty.any():
            # next non-empty bin to the right (circularly), offset by the distance so borrowed values differ
            own = np.where(empty, 2 * num_perm, cols)
            twice = np.concatenate([own, np.where(empty, 2 * num_perm, cols + num_perm)], axis=1)
            nxt = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :num_perm]
            has_any = ~empty.all(axis=1)
            nxt = np.where(has_any[:, None], nxt, cols)
            dist = (nxt - cols).astype(np.uint64)
            rows = np.arange(hi - lo)[:, None]
            filled = sk[rows, nxt % num_perm]
            sk = np.where(empty & has_any[:, None], mix64(filled + dist * np.uint64(0x9E3779B97F4A7C15)), sk)
        sketches[lo:hi] = sk
    return sketches


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (numpy's own ``np.unique`` takes a hashing path that is far slower here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def candidate_pairs(sketches: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Pairs (i < j) of documents that agree on at least one whole band; shape (pairs, 2).

    Each (band key, document) is packed into one 64-bit value, the band key's top bits above the
    document number, so one plain sort groups the documents by band key (no argsort). Cutting the key
    can only merge groups, i.e. add candidates, which verification then rejects; it never loses a pair.
    """
    n = len(sketches)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    weights = mix64(np.arange(1, rows + 1, dtype=np.uint64))
    used = sketches[:, : bands * rows].reshape(n, bands, rows)
    keys = mix64((used * weights).sum(axis=2, dtype=np.uint64) + np.arange(bands, dtype=np.uint64))
    keep_doc = sketches[:, 0] != _EMPTY  # documents without a single word take part in no band
    doc_bits = max(1, int(n - 1).bit_length())
    low = np.uint64((1 << doc_bits) - 1)
    packed = (keys[keep_doc] & ~low) | np.flatnonzero(keep_doc).astype(np.uint64)[:, None]
    packed = np.sort(packed.ravel())
    group = packed >> np.uint64(doc_bits)
    docs = (packed & low).view(np.int64)
    boundary = np.empty(len(group) + 1, dtype=bool)
    boundary[0] = boundary[-1] = True
    np.not_equal(group[1:], group[:-1], out=boundary[1:-1])
    if boundary.all():
        return np.zeros((0, 2), dtype=np.int64)
    # Runs of equal band keys (documents ascending inside a run): pairs of a run of two directly,
    # longer runs (rare) member by member.
    edges = np.flatnonzero(boundary)
    run_start, run_len = edges[:-1], np.diff(edges)
    twos = run_start[run_len == 2]
    pairs = [np.stack([docs[twos], docs[twos + 1]], axis=1)]
    for s, k in zip(run_start[run_len > 2].tolist(), run_len[run_len > 2].tolist()):
        members = _sorted_unique(docs[s : s + k])
        a, b = np.triu_indices(len(members), 1)
        pairs.append(np.stack([members[a], members[b]], axis=1))
    allp = np.concatenate(pairs)
    allp = allp[allp[:, 0] != allp[:, 1]]
    keys = _sorted_unique(allp[:, 0] * n + allp[:, 1])
    return np.stack([keys // n, keys % n], axis=1)


def shingle_sets(words: WordHashes, docs: np.ndarray, shingle_words: int) -> dict[int, np.ndarray]:
    """Sorted distinct shingle hashes of the given documents (a few hundred at a time: small arrays)."""
    docs = _sorted_unique(np.asarray(docs, dtype=np.int64))
    sets = {}
    for k in range(0, len(docs), 256):
        block = docs[k : k + 256]
        shingles, offsets = ngram_hashes(words.subset(block), shingle_words, short_docs_whole=True)
        for i, d in enumerate(block.tolist()):
            sets[d] = _sorted_unique(shingles[offsets[i] : offsets[i + 1]])
    return sets


def verified_pairs(
    words: WordHashes, candidates: np.ndarray, threshold: float, shingle_words: int
) -> list[tuple[int, int, float]]:
    """Candidates whose exact shingle-set Jaccard reaches ``threshold``: (i, j, jaccard)."""
    if len(candidates) == 0:
        return []
    sets = shingle_sets(words, candidates.ravel(), shingle_words)
    out = []
    for i, j in candidates.tolist():
        a, b = sets[i], sets[j]
        if len(a) > len(b):
            a, b = b, a
        if len(a) < threshold * len(b) or len(a) == 0:  # Jaccard <= small / large: cannot reach the threshold
            continue
        # both distinct: a value in both sits twice, side by side, in their sorted union
        both = np.concatenate((a, b))
        both.sort()
        inter = int(np.count_nonzero(both[1:] == both[:-1]))
        jac = inter / max(1, len(a) + len(b) - inter)
        if jac >= threshold:
            out.append((i, j, round(jac, 4)))
    return out


def near_duplicate_indices(
    words: WordHashes, threshold: float, num_perm: int = 128, shingle_words: int = 3, seed: int = 1
) -> list[tuple[int, int, float]]:
    """All pairs of documents (by index) whose shingle-set Jaccard is at least ``threshold``, as found by LSH."""
    bands, rows = band_layout(num_perm, threshold)
    sketches = minhash_sketches(words, shingle_words, num_perm, seed)
    return verified_pairs(words, candidate_pairs(sketches, bands, rows), threshold, shingle_words)


def near_duplicate_pairs(
    records: list[Record],
    threshold: float,
    num_perm: int = 128,
    shingle_words: int = 3,
    seed: int = 1,
    words: WordHashes | None = None,
) -> list[NearDuplicatePair]:
    """All pairs with shingle-set Jaccard >= threshold (LSH finds candidates, exact Jaccard confirms).

    ``words`` may carry the records' word hashes when the caller already has them.
    """
    words = words if words is not None else hash_words([r.text for r in records])
    return [
        NearDuplicatePair(a=records[i].id, b=records[j].id, jaccard=jac)
        for i, j, jac in near_duplicate_indices(words, threshold, num_perm, shingle_words, seed)
    ]
