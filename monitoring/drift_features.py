"""Per-document drift features: length, truncation, out-of-vocabulary rate, character set, hashed words.

The out-of-vocabulary rate is only a measurement for a document the vocabulary was not built from: measured
against a vocabulary built from the reference itself, the reference's rate is near zero by construction and every
window of the same corpus looks "drifted" (on real Debian changelogs: 20 alarms in 20 same-corpus windows). So
without a training vocabulary the vocabulary comes from one hash-chosen part of the reference
(``reference_vocabulary``), and documents it was built from get a NaN rate, which the OOV signal leaves out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import numpy as np

from longloop.governance.text_normalization import normalized_words

# Word characters that are neither decimal digits nor the underscore: letters, plus numeric signs such as
# "½" or "²" (filtered out afterwards, when there are any).
_NOT_LETTER = re.compile(r"[\W\d_]+", re.UNICODE)
# ASCII characters that are not word characters, mapped to spaces: on ASCII text, lower-casing, this
# translation and ``str.split`` give exactly ``normalized_words`` (NFKC and case folding reduce to ``lower``
# there), about four times faster than the Unicode regular expression.
_ASCII_NON_WORD = str.maketrans({chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")})


def document_words(text: str) -> list[str]:
    """``normalized_words(text)``, with a fast path for ASCII text."""
    if text.isascii():
        return text.lower().translate(_ASCII_NON_WORD).split()
    return normalized_words(text)


# Of the reference, the share that builds the vocabulary when no training vocabulary is given; the rest is the
# OOV test's reference. A smaller vocabulary part makes every rate high and noisy, a smaller measured part weakens
# the test. Measured on Debian changelogs (200-document references, 20 windows of 100 each), the OOV check found
# another Debian section in 14, 18 and 13 windows and 20% copyright files in 13, 12 and 1 at shares 0.3, 0.5 and
# 0.7 (benchmarks/drift_calibration.py measures the detector as a whole).
VOCABULARY_SHARE = 0.5


def training_vocabulary(texts: list[str], max_words: int = 100_000) -> list[str]:
    counts = Counter(w for t in texts for w in normalized_words(t))
    return [w for w, _ in counts.most_common(max_words)]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def reference_vocabulary(
    texts: list[str], share: float = VOCABULARY_SHARE, max_words: int = 100_000
) -> tuple[list[str], set[str]]:
    """A vocabulary built from about ``share`` of the reference, and the digests of the texts it was built from.

    The part is chosen by the texts' SHA-256 digests, lowest first: a pseudo-random split that does not depend
    on the order of the rows (a window in another order is the same window) and keeps identical texts together,
    so that no held-out document has a copy among the vocabulary's sources. At least one distinct text is held
    out whenever there are two.
    """
    groups: dict[str, list[str]] = {}
    for t in texts:
        groups.setdefault(text_digest(t), []).append(t)
    order = sorted(groups)
    target, taken, sources = share * len(texts), 0, set()
    for d in order[:-1] if len(order) > 1 else order:
        if taken >= target:
            break
        sources.add(d)
        taken += len(groups[d])
    # In digest order, not the set's: which words make the cut at ``max_words`` must not vary between processes.
    return training_vocabulary([t for d in order if d in sources for t in groups[d]], max_words), sources


def _bucket(word: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % buckets


def non_ascii_letter_share(text: str) -> float:
    """Share of a text's letters outside ASCII (0 when it has no letters)."""
    if text.isascii():
        return 0.0
    letters = _NOT_LETTER.sub("", text)
    if not letters.isalpha():
        letters = "".join(filter(str.isalpha, letters))
    if not letters:
        return 0.0
    return 1.0 - len(letters.encode("ascii", "ignore")) / len(letters)


def document_features(
    rows: list[dict],
    vocabulary: set[str],
    context_tokens: int,
    buckets: int,
    vocabulary_sources: set[str] | frozenset[str] = frozenset(),
) -> dict[str, np.ndarray]:
    """Rows carry ``text``, ``n_tokens`` and optionally ``label``, ``prediction``, ``confidence``, ``embedding``.

    ``vocabulary_sources``: digests (``text_digest``) of the texts the vocabulary was built from; a row with one
    of these texts gets ``oov_rate`` NaN (not measured).

    Each distinct word is hashed and looked up once per call, and the bags are filled by one ``bincount``
    over (document, bucket) pairs, so a 10,000-document window costs about a regex split and a ``Counter``
    per document.
    """
    n = len(rows)
    word_id: dict[str, int] = {}
    ids: list[int] = []
    counts: list[int] = []
    distinct = np.zeros(n, dtype=np.int64)
    totals = np.zeros(n)
    for i, r in enumerate(rows):
        c = Counter(document_words(r["text"]))
        distinct[i] = len(c)
        totals[i] = sum(c.values())
        ids.extend([word_id.setdefault(w, len(word_id)) for w in c])
        counts.extend(c.values())
    words = list(word_id)
    bucket = np.fromiter((_bucket(w, buckets) for w in words), dtype=np.int64, count=len(words))
    unknown = np.fromiter((w not in vocabulary for w in words), dtype=bool, count=len(words))
    idx = np.asarray(ids, dtype=np.int64)
    cnt = np.asarray(counts, dtype=np.float64)
    doc = np.repeat(np.arange(n), distinct)
    denom = np.maximum(totals, 1.0)
    oov = np.bincount(doc, weights=cnt * unknown[idx], minlength=n) / denom
    if vocabulary_sources:
        oov[np.fromiter((text_digest(r["text"]) in vocabulary_sources for r in rows), dtype=bool, count=n)] = np.nan
    bag = (
        np.bincount(doc * buckets + bucket[idx], weights=cnt, minlength=n * buckets).reshape(n, buckets)
        / denom[:, None]
    ).astype(np.float32)
    non_ascii = np.array([non_ascii_letter_share(r["text"]) for r in rows], dtype=np.float64)
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
