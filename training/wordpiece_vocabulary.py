"""A WordPiece vocabulary learned the same way every time from the same texts.

The tokenizers library's WordPiece trainer breaks ties between equally frequent merges in the order of a hash
map whose seed changes with every process: on real text the learned vocabulary itself differs from run to run
(measured on Debian changelogs: three runs, three vocabularies), and with it the whole trained model. This is
the same byte-pair procedure (the most frequent adjacent pair of pieces is merged, continuation pieces carry
WordPiece's ``##``), with ties broken by the pieces' strings.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable

from tokenizers import normalizers, pre_tokenizers

MAX_WORD_CHARS = 100  # longer "words" (hashes, base64) are [UNK] to WordPiece anyway, as in the tokenizers library


def word_counts(
    texts: Iterable[str], normalizer: normalizers.Normalizer, pre_tokenizer: pre_tokenizers.PreTokenizer
) -> Counter[str]:
    """How often each pre-tokenized word occurs, after the tokenizer's own normalisation."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    return counts


def _pairs(pieces: list[str]) -> Iterable[tuple[str, str]]:
    return zip(pieces, pieces[1:], strict=False)


def learn_vocabulary(counts: Counter[str], vocab_size: int, special_tokens: list[str]) -> list[str]:
    """The special tokens, the alphabet (first and ``##`` continuation characters), then merged pieces in the
    order they were learned, until ``vocab_size`` pieces or no pair is left."""
    types = sorted(w for w in counts if len(w) <= MAX_WORD_CHARS)
    words = [[w[0], *(f"##{c}" for c in w[1:])] for w in types]
    freq = [counts[w] for w in types]
    alphabet = sorted({p for pieces in words for p in pieces} - set(special_tokens))
    vocab = [*special_tokens, *alphabet]
    known = set(vocab)
    pair_count: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for i, pieces in enumerate(words):
        for pair in _pairs(pieces):
            pair_count[pair] += freq[i]
            where[pair].add(i)
    # Most frequent first; equal counts by the pair's strings. Stale entries are skipped when popped.
    heap = [(-n, a, b) for (a, b), n in pair_count.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, a, b = heapq.heappop(heap)
        if pair_count.get((a, b), 0) != -neg or neg == 0:
            continue
        merged = a + b[2:]  # b is a continuation piece: it starts with ##
        touched: set[tuple[str, str]] = set()
        for i in sorted(where.pop((a, b), ())):
            pieces = words[i]
            for pair in _pairs(pieces):
                pair_count[pair] -= freq[i]
                touched.add(pair)
            out, k = [], 0
            while k < len(pieces):
                if k + 1 < len(pieces) and pieces[k] == a and pieces[k + 1] == b:
                    out.append(merged)
                    k += 2
                else:
                    out.append(pieces[k])
                    k += 1
            words[i] = out
            for pair in _pairs(out):
                pair_count[pair] += freq[i]
                where[pair].add(i)
                touched.add(pair)
        pair_count.pop((a, b), None)
        for pair in touched:
            n = pair_count.get(pair, 0)
            if n > 0:
                heapq.heappush(heap, (-n, *pair))
            else:
                pair_count.pop(pair, None)
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return vocab
