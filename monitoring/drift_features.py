"""Per-document drift features: length, truncation, out-of-vocabulary rate, character set, hashed words."""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np

from governance.text_normalization import normalized_words


def training_vocabulary(texts: list[str], max_words: int = 100_000) -> list[str]:
    counts = Counter(w for t in texts for w in normalized_words(t))
    return [w for w, _ in counts.most_common(max_words)]


def _bucket(word: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % buckets


def document_features(rows: list[dict], vocabulary: set[str], context_tokens: int, buckets: int) -> dict[str, np.ndarray]:
    """Rows carry ``text``, ``n_tokens`` and optionally ``label``, ``prediction``, ``confidence``, ``embedding``."""
    n = len(rows)
    words = [normalized_words(r["text"]) for r in rows]
    bag = np.zeros((n, buckets), dtype=np.float32)
    oov = np.zeros(n)
    for i, ws in enumerate(words):
        if ws:
            oov[i] = sum(w not in vocabulary for w in ws) / len(ws)
            idx = np.fromiter((_bucket(w, buckets) for w in ws), dtype=np.int64, count=len(ws))
            bag[i] = np.bincount(idx, minlength=buckets) / len(ws)
    letters = [[c for c in r["text"] if c.isalpha()] for r in rows]
    non_ascii = np.array([sum(ord(c) > 127 for c in ls) / len(ls) if ls else 0.0 for ls in letters])
    n_tokens = np.array([r["n_tokens"] for r in rows], dtype=np.float64)
    feats = {
        "log_tokens": np.log1p(n_tokens),
        "truncated": (n_tokens > context_tokens - 2).astype(np.float64),
        "oov_rate": oov,
        "non_ascii_rate": non_ascii,
        "hashed_words": bag,
    }
    if all("embedding" in r for r in rows) and n:
        feats["embedding"] = np.array([r["embedding"] for r in rows], dtype=np.float32)
    if all("confidence" in r for r in rows):
        feats["confidence"] = np.array([r["confidence"] for r in rows], dtype=np.float64)
    return feats
