"""Label leakage: the label string itself, or an id-like token, that gives the label away inside the text."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from longloop.corpus.records import Record
from longloop.governance.text_normalization import normalized_words
from longloop.governance.word_hashing import WordHashes, hash_words


@dataclass(frozen=True)
class LeakyToken:
    token: str
    label: str
    coverage: float  # share of the label's documents that contain the token
    purity: float  # share of documents containing the token that carry the label
    kind: str  # "label-string" | "id-like"


def leaky_tokens(
    records: list[Record],
    min_coverage: float = 0.3,
    min_purity: float = 0.95,
    min_documents: int = 5,
    words: WordHashes | None = None,
) -> list[LeakyToken]:
    """Tokens (id-like: 3+ characters of [a-z0-9_] with a digit; or a one-word label) that nearly only
    one label's documents contain, and many of them do."""
    if not records:
        return []
    words = words if words is not None else hash_words([r.text for r in records])
    labels = sorted({r.label for r in records})
    label_idx = np.array([labels.index(r.label) for r in records], dtype=np.int64)
    label_sizes = np.bincount(label_idx, minlength=len(labels))
    words_of = {lab: normalized_words(lab) for lab in labels}
    one_word = {lab: w[0] for lab, w in words_of.items() if len(w) == 1}
    label_hashes = hash_words(list(one_word.values()), threads=1).hashes
    candidate = words.id_like | np.isin(words.hashes, label_hashes)
    positions = np.flatnonzero(candidate)
    if len(positions) == 0:
        return []
    docs = np.searchsorted(words.offsets, positions, side="right") - 1
    hashes = words.hashes[positions].view(np.int64)
    order = np.lexsort((docs, hashes))
    hashes, docs = hashes[order], docs[order]
    once = np.concatenate(([True], (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])))  # once per document
    pairs = (hashes[once], docs[once])
    labs = label_idx[pairs[1]]
    order = np.lexsort((labs, pairs[0]))
    tok_sorted, lab_sorted = pairs[0][order], labs[order]
    run = np.flatnonzero(
        np.concatenate(([True], (tok_sorted[1:] != tok_sorted[:-1]) | (lab_sorted[1:] != lab_sorted[:-1])))
    )
    tokens, token_labels = tok_sorted[run], lab_sorted[run]
    counts = np.diff(np.concatenate((run, [len(tok_sorted)])))
    starts = np.flatnonzero(np.concatenate(([True], tokens[1:] != tokens[:-1])))
    totals = np.add.reduceat(counts, starts)
    best = np.maximum.reduceat(counts, starts)
    ok = best >= min_documents
    found = []
    for g in np.flatnonzero(ok).tolist():
        members = np.arange(starts[g], starts[g + 1] if g + 1 < len(starts) else len(tokens))
        top = int(members[np.argmax(counts[members])])
        token, lab, n = int(tokens[top]), int(token_labels[top]), int(counts[top])
        coverage, purity = n / label_sizes[lab], n / int(totals[g])
        if coverage >= min_coverage and purity >= min_purity:
            doc = int(pairs[1][np.flatnonzero(pairs[0] == token)[0]])
            text_words = normalized_words(records[doc].text)
            hashes = hash_words([" ".join(text_words)], threads=1).hashes.view(np.int64)
            word = text_words[int(np.flatnonzero(hashes == token)[0])]
            kind = "label-string" if one_word.get(labels[lab]) == word else "id-like"
            found.append(LeakyToken(word, labels[lab], round(coverage, 4), round(purity, 4), kind))
    return found
