"""The normalised words of many documents as 64-bit hashes in one flat numpy array.

Every text comparison of the gate (exact and near duplicates, n-gram contamination, label leakage) reads
the same words as ``text_normalization.normalized_words`` gives, but hashed with numpy over whole chunks
of text instead of one Python string per word: a document of 2,000 words costs a few microseconds, not
half a millisecond. A word's hash chains its UTF-8 bytes eight at a time (read as one integer) through the
splitmix64 finaliser. An n-gram's hash is a polynomial hash of its word hashes, computed from prefix sums so
that it does not depend on where the n-gram sits.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from governance.text_normalization import normalized_words

_CHUNK_BYTES = 1 << 20  # text per numpy pass: big enough to amortise, small enough to stay in cache
_CHUNK_WORDS = 1 << 20
_WORD_P = 0x9E3779B97F4A7C15

def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise on a uint64 array (returns a new array)."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


class _Powers:
    """p**i and p**-i modulo 2**64 for i < n, grown on demand (uint64 products wrap, which is the modulus)."""

    def __init__(self, base: int):
        self.base, self.inv = base, pow(base, -1, 1 << 64)
        self.fwd = np.ones(1, dtype=np.uint64)
        self.bwd = np.ones(1, dtype=np.uint64)

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        fwd, bwd = self.fwd, self.bwd  # read once: another thread may swap in longer tables meanwhile
        if n > len(fwd) or n > len(bwd):
            size = max(n, 2 * len(fwd))
            fwd = np.full(size, self.base, dtype=np.uint64)
            fwd[0] = 1
            bwd = np.full(size, self.inv, dtype=np.uint64)
            bwd[0] = 1
            fwd, bwd = np.cumprod(fwd), np.cumprod(bwd)
            self.fwd, self.bwd = fwd, bwd
        return fwd[:n], bwd[:n]


_WORD_POWERS = _Powers(_WORD_P)


@dataclass
class WordHashes:
    """Word hashes of documents ``0..n-1``: document ``i`` holds ``hashes[offsets[i]:offsets[i+1]]``."""

    hashes: np.ndarray  # uint64
    offsets: np.ndarray  # int64, n + 1
    id_like: np.ndarray  # bool per word: 3+ characters of [a-z0-9_] with a digit (a possible label give-away)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def doc(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i]:self.offsets[i + 1]]

    def subset(self, docs: np.ndarray) -> "WordHashes":
        docs = np.asarray(docs, dtype=np.int64)
        lengths = self.lengths()[docs]
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        take = _ranges(self.offsets[docs], lengths)
        return WordHashes(self.hashes[take], offsets, self.id_like[take])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out = np.ones(total, dtype=np.int64)
    nonempty = lengths > 0
    first = (ends - lengths)[nonempty]
    out[first] = starts[nonempty]
    out[first[1:]] -= (starts[nonempty][:-1] + lengths[nonempty][:-1] - 1)
    return np.cumsum(out)


def _normalised_bytes(text: str) -> bytes:
    if text.isascii():  # NFKC leaves ASCII alone and casefold is lower()
        return text.lower().encode("ascii")
    return " ".join(normalized_words(text)).encode("utf-8")


_LOW_BYTES = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], dtype=np.uint64)


def _hash_chunk(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = [_normalised_bytes(t) for t in texts]
    data = b"\n".join(parts)
    buf = np.frombuffer(data + b"\0" * 8, dtype=np.uint8)
    text = buf[:len(data)]
    # Word bytes after normalisation: a-z, 0-9, _ and the bytes of non-ASCII characters (no upper case left).
    is_word = (text >= 0x80) | ((text >= 0x61) & (text <= 0x7A)) | ((text >= 0x30) & (text <= 0x39)) | (text == 0x5F)
    padded = np.zeros(len(text) + 2, dtype=bool)
    padded[1:-1] = is_word
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    # Eight bytes at any offset, read as one little-endian integer; a word is hashed eight bytes at a time.
    at = np.ndarray((len(text),), dtype="<u8", buffer=buf, strides=(1,))
    raw = at[starts] & _LOW_BYTES[np.minimum(lengths, 8)]
    longer = np.flatnonzero(lengths > 8)
    k = 8
    while longer.size:
        block = at[starts[longer] + k] & _LOW_BYTES[np.minimum(lengths[longer] - k, 8)]
        raw[longer] = mix64(raw[longer]) ^ block
        longer = longer[lengths[longer] > k + 8]
        k += 8
    hashes = mix64(raw ^ (lengths.astype(np.uint64) << np.uint64(56)))
    doc_start = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) + 1 for p in parts], out=doc_start[1:])
    counts = np.diff(np.searchsorted(starts, doc_start))
    digits = (text >= 0x30) & (text <= 0x39)
    if digits.any():
        not_id = ~(((text >= 0x61) & (text <= 0x7A)) | digits | (text == 0x5F))
        dig = np.concatenate(([0], np.cumsum(digits, dtype=np.int64)))
        bad = np.concatenate(([0], np.cumsum(not_id, dtype=np.int64)))
        id_like = ((dig[ends] - dig[starts]) > 0) & ((bad[ends] - bad[starts]) == 0) & (lengths >= 3)
    else:
        id_like = np.zeros(len(starts), dtype=bool)
    return hashes, counts, id_like


def hash_words(texts: list[str], threads: int = 2) -> WordHashes:
    """Hash the normalised words of every text; numpy releases the GIL, so threads share the work."""
    chunks, current, size = [], [], 0
    for t in texts:
        current.append(t)
        size += len(t) + 1
        if size >= _CHUNK_BYTES:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    if threads > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(_hash_chunk, chunks))
    else:
        results = [_hash_chunk(c) for c in chunks]
    if not results:
        return WordHashes(np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, bool))
    counts = np.concatenate([r[1] for r in results])
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return WordHashes(np.concatenate([r[0] for r in results]), offsets, np.concatenate([r[2] for r in results]))


def ngram_hashes(words: WordHashes, n: int, short_docs_whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every run of ``n`` consecutive words inside each document, and per-document offsets.

    A document shorter than ``n`` words gives one hash of all its words when ``short_docs_whole``
    (a short text is still a shingle set for near duplicates), none otherwise.
    """
    lengths = words.lengths()
    per_doc = np.maximum(lengths - n + 1, 0)
    if short_docs_whole:
        per_doc = np.where((lengths < n) & (lengths > 0), 1, per_doc)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    out = np.empty(int(offsets[-1]), dtype=np.uint64)
    # Work in word ranges of about _CHUNK_WORDS, cut at document boundaries.
    doc_bounds = np.searchsorted(words.offsets, np.arange(0, words.offsets[-1] + _CHUNK_WORDS, _CHUNK_WORDS))
    doc_bounds = np.unique(np.concatenate(([0], np.clip(doc_bounds, 0, len(lengths)), [len(lengths)])))
    for lo, hi in zip(doc_bounds[:-1], doc_bounds[1:]):
        w0, w1 = int(words.offsets[lo]), int(words.offsets[hi])
        h = words.hashes[w0:w1]
        fwd, bwd = _WORD_POWERS.upto(len(h))
        prefix = np.zeros(len(h) + 1, dtype=np.uint64)
        np.cumsum(h * fwd, out=prefix[1:])
        doc_lo = words.offsets[lo:hi] - w0
        full = per_doc[lo:hi] if not short_docs_whole else np.maximum(lengths[lo:hi] - n + 1, 0)
        starts = _ranges(doc_lo, full)
        grams = mix64((prefix[starts + n] - prefix[starts]) * bwd[starts] + np.uint64(n))
        if short_docs_whole and (short := np.flatnonzero((lengths[lo:hi] < n) & (lengths[lo:hi] > 0))).size:
            s, e = doc_lo[short], doc_lo[short] + lengths[lo:hi][short]
            whole = mix64((prefix[e] - prefix[s]) * bwd[s] + (e - s).astype(np.uint64))
            is_short = np.zeros(hi - lo, dtype=bool)
            is_short[short] = True
            # interleave: documents in order, each either its full n-grams or its one whole-text hash
            counts = np.where(is_short, 1, full)
            pos = np.zeros(hi - lo + 1, dtype=np.int64)
            np.cumsum(counts, out=pos[1:])
            merged = np.empty(int(pos[-1]), dtype=np.uint64)
            merged[_ranges(pos[:-1][~is_short], full[~is_short])] = grams
            merged[pos[:-1][short]] = whole
            grams = merged
        out[offsets[lo]:offsets[hi]] = grams
    return out, offsets
