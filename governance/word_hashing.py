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

from longloop.governance.text_normalization import normalized_words

_CHUNK_BYTES = 1 << 20  # text per numpy pass: big enough to amortise, small enough to stay in cache
_CHUNK_WORDS = 1 << 17  # words per n-gram piece: its arrays stay in the 1 MB L2 / shared L3
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


def word_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """p**i and p**-i (mod 2**64) for i < n: the powers of the polynomial hash of word runs."""
    return _WORD_POWERS.upto(n)


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
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]

    def slice(self, lo: int, hi: int) -> WordHashes:
        """Documents ``lo..hi-1`` as views of this one's arrays (no copy of the words)."""
        w0, w1 = int(self.offsets[lo]), int(self.offsets[hi])
        return WordHashes(self.hashes[w0:w1], self.offsets[lo : hi + 1] - w0, self.id_like[w0:w1])

    def subset(self, docs: np.ndarray) -> WordHashes:
        docs = np.asarray(docs, dtype=np.int64)
        if len(docs) and docs[-1] - docs[0] == len(docs) - 1 and (len(docs) == 1 or np.all(np.diff(docs) == 1)):
            return self.slice(int(docs[0]), int(docs[-1]) + 1)
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
    out[first[1:]] -= starts[nonempty][:-1] + lengths[nonempty][:-1] - 1
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
    text = buf[: len(data)]
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
    # Id-like words hold a digit and no non-ASCII byte. Both kinds of byte are rare in prose: find them and
    # mark their words (each such byte lies inside a word), instead of counting over every byte.
    id_like = np.zeros(len(starts), dtype=bool)
    digit_at = np.flatnonzero((text >= 0x30) & (text <= 0x39))
    if digit_at.size:
        id_like[np.searchsorted(starts, digit_at, side="right") - 1] = True
        high_at = np.flatnonzero(text >= 0x80)
        if high_at.size:
            id_like[np.searchsorted(starts, high_at, side="right") - 1] = False
        id_like &= lengths >= 3
    return hashes, counts, id_like


def hash_words(texts: list[str], threads: int = 2) -> WordHashes:
    """Hash the normalised words of every text; numpy releases the GIL, so threads share the work.

    Each piece's hashes are copied into one output array as soon as they are ready (pieces come back in
    order), so the words are held once, not once per piece and again concatenated.
    """
    chunks, current, size, chars = [], [], 0, 0
    for t in texts:
        current.append(t)
        size += len(t) + 1
        if size >= _CHUNK_BYTES:
            chunks.append(current)
            chars += size
            current, size = [], 0
    if current:
        chunks.append(current)
        chars += size
    if not chunks:
        return WordHashes(np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, bool))
    # Room for a word per three characters (prose has one per six); grown if a text needs more.
    hashes = np.empty(chars // 3 + 1024, dtype=np.uint64)
    id_like = np.empty(len(hashes), dtype=bool)
    counts = np.empty(len(texts), dtype=np.int64)
    pool = ThreadPoolExecutor(threads) if threads > 1 and len(chunks) > 1 else None
    try:
        results = pool.map(_hash_chunk, chunks) if pool else map(_hash_chunk, chunks)
        words, docs = 0, 0
        for h, c, il in results:
            if words + len(h) > len(hashes):
                grow = max(2 * len(hashes), words + len(h))
                hashes = np.concatenate([hashes[:words], np.empty(grow - words, dtype=np.uint64)])
                id_like = np.concatenate([id_like[:words], np.empty(grow - words, dtype=bool)])
            hashes[words : words + len(h)] = h
            id_like[words : words + len(h)] = il
            counts[docs : docs + len(c)] = c
            words, docs = words + len(h), docs + len(c)
    finally:
        if pool:
            pool.shutdown()
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return WordHashes(hashes[:words], offsets, id_like[:words])


def chunk_bounds(words: WordHashes, chunk_words: int) -> list[tuple[int, int]]:
    """Document ranges of about ``chunk_words`` words each (a longer document is a range of its own)."""
    n_docs = len(words)
    if n_docs == 0:
        return []
    cuts = np.searchsorted(words.offsets, np.arange(chunk_words, int(words.offsets[-1]), chunk_words), side="right") - 1
    cuts = np.unique(np.concatenate(([0], np.clip(cuts, 0, n_docs), [n_docs])))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


def ngram_chunks(words: WordHashes, n: int, short_docs_whole: bool, chunk_words: int = _CHUNK_WORDS):
    """``ngram_hashes`` in pieces: yields ``(lo, hi, grams, offsets)`` for documents ``lo..hi-1``, with
    ``offsets`` relative to the piece. Pieces are small enough that their arrays stay in cache."""
    lengths_all = words.lengths()
    for lo, hi in chunk_bounds(words, chunk_words):
        w0, w1 = int(words.offsets[lo]), int(words.offsets[hi])
        lengths = lengths_all[lo:hi]
        full = np.maximum(lengths - n + 1, 0)
        width = w1 - w0
        if width == 0:
            yield lo, hi, np.zeros(0, dtype=np.uint64), np.zeros(hi - lo + 1, dtype=np.int64)
            continue
        h = words.hashes[w0:w1]
        fwd, bwd = _WORD_POWERS.upto(width + 1)
        prefix = np.empty(width + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(h * fwd[:width], out=prefix[1:])
        starts = words.offsets[lo:hi] - w0
        ends = starts + lengths
        if width >= n:
            # the n-gram at every position of the piece (sum of h[i + k] * p**k), then only those inside a document
            grams = prefix[n:] - prefix[:-n]
            grams *= bwd[: width - n + 1]
            if hi - lo > 1 or full[0] != width - n + 1:
                tail = ends[:, None] - np.arange(1, n)[None, :]  # the last n - 1 positions of each document
                tail = tail[(tail >= starts[:, None]) & (tail <= width - n)]
                keep = np.ones(width - n + 1, dtype=bool)
                keep[tail] = False
                grams = grams[keep]
            grams += np.uint64(n)
            grams = mix64(grams)
        else:
            grams = np.zeros(0, dtype=np.uint64)
        counts = full
        if short_docs_whole and (short := np.flatnonzero((lengths < n) & (lengths > 0))).size:
            s, e = starts[short], ends[short]
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
        offsets = np.zeros(hi - lo + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        yield lo, hi, grams, offsets


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
    for lo, hi, grams, _ in ngram_chunks(words, n, short_docs_whole):
        out[offsets[lo] : offsets[hi]] = grams
    return out, offsets
