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

Real text repeats itself: templates, boilerplate, option tables and license paragraphs recur across many
documents of every split, and counting them flags most of a real corpus. Step 3 therefore also counts, for each
shared n-gram, the documents (training and evaluation) holding it: an n-gram in more documents than a limit is
not counted. This costs almost nothing: only shared n-grams reach step 3, and both sides' occurrences of them
are already at hand there. The limit is the price: a passage copied into more documents than it looks like
boilerplate (whole copies stay the near-duplicate check's business). Copies of one document (exact or near
duplicates, as the gate's duplicate checks group them) count once, or one package family's changelogs would
make any passage of theirs look like boilerplate.

Related documents also share scattered stock sentences (a team's standard changelog lines), a few 13-grams
each. A copy is a passage: optionally only shared n-grams in a run covering ``min_passage_words`` words (a
changed word bridged) count, which the training side's n-gram positions, carried through every step, give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from longloop.corpus.records import Record
from longloop.governance.word_hashing import WordHashes, hash_words, ngram_chunks, ngram_hashes

_PIECE = 1 << 16  # hashes per table scatter or probe
_FILTER_ROUNDS = 4  # the two sides filter each other at most this often before the exact join


@dataclass(frozen=True)
class ContaminationScan:
    """What one scan found: the hits that count, and what the document-frequency cut and the ignored (waived)
    n-grams took away."""

    hits: list[tuple[int, int, int, float]]  # (train index, evaluation index, shared n-grams, coverage)
    hits_before_ignored: list[tuple[int, int, int, float]]  # with the cut, before the ignored n-grams
    flagged_without_cut: int  # training documents a scan without the cut (nor ignored n-grams) would flag
    ngrams_shared: int  # distinct n-grams in both sides
    ngrams_cut: int  # of those, held by more documents than ``document_frequency_limit``
    ngrams_ignored: int  # of those not cut, ignored (waived)
    document_frequency_limit: int | None
    ignored_shared: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))  # the ignored n-grams met


def _empty_scan(limit: int | None) -> ContaminationScan:
    return ContaminationScan([], [], 0, 0, 0, 0, limit)


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
            self.table = memory[: 1 << bits]
            self.table.fill(False)
        for lo in range(0, len(values), _PIECE):  # pieces: the slot arrays stay in cache
            self.table[self._slots(values[lo : lo + _PIECE])] = True

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
        return np.concatenate(
            [self.table[self._slots(values[lo : lo + _PIECE])] for lo in range(0, len(values), _PIECE)]
        )


def _table_bits(n: int) -> int:
    # about 8 slots per value (a false positive rate near 1/8 per table), at most 256 MB per table
    return int(min(28, max(12, np.ceil(np.log2(max(n, 1) * 8)))))


def _filter(values: np.ndarray, by: np.ndarray, shift: int, memory: np.ndarray) -> np.ndarray:
    """Indices of ``values`` that may be in ``by`` (a table of ``by``, probed a piece at a time)."""
    table = _HashTable(by, shift, _table_bits(len(by)), memory)
    return np.concatenate(
        [lo + np.flatnonzero(table.member(values[lo : lo + _PIECE])) for lo in range(0, len(values), _PIECE)]
        or [np.zeros(0, dtype=np.int64)]
    )


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _distinct_count(values: np.ndarray) -> int:
    if len(values) < 2:
        return len(values)
    values = np.sort(values)
    return 1 + int(np.count_nonzero(values[1:] != values[:-1]))


def _holders(
    t_at: np.ndarray,
    t_docs: np.ndarray,
    e_at: np.ndarray,
    e_docs: np.ndarray,
    n_owned: int,
    train_groups: np.ndarray | None,
    eval_groups: np.ndarray | None,
    limit: int | None = None,
) -> np.ndarray:
    """Per owned n-gram, the documents (or groups of documents) holding it on either side. Both sides arrive
    sorted by n-gram, documents ascending within one, and hold every occurrence of each shared n-gram."""
    t_first = np.concatenate(([True], (t_at[1:] != t_at[:-1]) | (t_docs[1:] != t_docs[:-1])))
    e_first = np.concatenate(([True], (e_at[1:] != e_at[:-1]) | (e_docs[1:] != e_docs[:-1])))
    holders = np.bincount(t_at[t_first], minlength=n_owned) + np.bincount(e_at[e_first], minlength=n_owned)
    if train_groups is None or eval_groups is None or limit is None:
        return holders
    # Groups only merge documents: an n-gram held by few documents is held by few groups. Only the others
    # (few, on any corpus) are counted again, by group.
    again = holders > limit
    if not again.any():
        return holders
    t_sel, e_sel = again[t_at], again[e_at]
    groups = int(max(train_groups.max(initial=0), eval_groups.max(initial=0))) + 1
    keys = _sorted_unique(
        np.concatenate(
            [t_at[t_sel] * groups + train_groups[t_docs[t_sel]], e_at[e_sel] * groups + eval_groups[e_docs[e_sel]]]
        )
    )
    holders[again] = np.bincount(keys // groups, minlength=n_owned)[again]
    return holders


def contamination_indices(
    train: WordHashes,
    evaluation: WordHashes,
    n: int = 13,
    min_shared: int = 10,
    max_document_frequency: int | None = None,
) -> list[tuple[int, int, int, float]]:
    """(train index, evaluation index, shared distinct n-grams, evaluation coverage) for each hit.

    A training document is contaminated by an evaluation document when they share at least
    ``min(min_shared, distinct n-grams of the evaluation document)`` n-grams; an n-gram found in several
    evaluation documents counts for the first of them; an n-gram held by more than ``max_document_frequency``
    documents (both sides together) does not count.
    """
    return contamination_scan(train, evaluation, n, min_shared, max_document_frequency).hits


def contamination_scan(
    train: WordHashes,
    evaluation: WordHashes,
    n: int = 13,
    min_shared: int = 10,
    max_document_frequency: int | None = None,
    ignored: np.ndarray | None = None,
    train_groups: np.ndarray | None = None,
    eval_groups: np.ndarray | None = None,
    min_passage_words: int | None = None,
) -> ContaminationScan:
    """``contamination_indices`` with what the cut and the ``ignored`` n-gram hashes (waived n-grams, as
    ``ngram_hashes`` gives them) took away.

    ``train_groups`` and ``eval_groups`` (one id per document, ids shared by both sides) make the document
    frequency count groups instead of documents: copies of one document (the binary packages of one source
    ship near-identical changelogs) are one document, not a chorus that makes its text look like boilerplate.

    ``min_passage_words`` counts only shared n-grams that form passages (see ``in_passages`` below): scattered
    13-word phrases that two documents of one family share (a team's stock changelog lines) are not a copy.
    """
    eval_grams, eval_offsets = ngram_hashes(evaluation, n, short_docs_whole=False)
    if len(eval_grams) == 0 or len(train) == 0:
        return _empty_scan(max_document_frequency)
    # 1. training n-grams against two tables of the evaluation n-grams
    bits = _table_bits(len(eval_grams))
    memory = np.empty(2 << bits, dtype=bool)  # both tables of step 1; step 2 reuses it
    high = _HashTable(eval_grams, 64 - bits, bits, memory[: 1 << bits])
    low = _HashTable(eval_grams, 0, bits, memory[1 << bits :])
    cand_grams, cand_docs, cand_pos, base = [], [], [], 0
    for lo, _, grams, offsets in ngram_chunks(train, n, short_docs_whole=False):
        keep = np.flatnonzero(high.member(grams))
        keep = keep[low.member(grams[keep])]
        cand_grams.append(grams[keep])
        cand_docs.append(lo + np.searchsorted(offsets, keep, side="right") - 1)
        cand_pos.append(base + keep)  # consecutive n-grams of a document have consecutive positions
        base += len(grams)
    t_grams, t_docs, t_pos = np.concatenate(cand_grams), np.concatenate(cand_docs), np.concatenate(cand_pos)
    if len(t_grams) == 0:
        return _empty_scan(max_document_frequency)
    # 2. each side filters the other with a table of what the other side kept (fresh bits each round)
    e_grams, e_pos = eval_grams, None
    for r in range(_FILTER_ROUNDS):
        if r % 2 == 0:
            keep = _filter(e_grams, t_grams, 13 * r + 7, memory)
            e_grams, e_pos = e_grams[keep], keep if e_pos is None else e_pos[keep]
            if len(e_grams) == 0:
                return _empty_scan(max_document_frequency)
        else:
            before = len(t_grams)
            keep = _filter(t_grams, e_grams, 13 * r + 7, memory)
            t_grams, t_docs, t_pos = t_grams[keep], t_docs[keep], t_pos[keep]
            if len(t_grams) == 0:
                return _empty_scan(max_document_frequency)
            if len(t_grams) > 0.95 * before:  # little left to gain: what is left is (almost) all shared
                break
    if e_pos is None:  # cannot happen: round 0 always filters the evaluation side
        raise RuntimeError("contamination scan: the evaluation side was never filtered")
    e_docs = np.searchsorted(eval_offsets, e_pos, side="right") - 1
    # 3. exact join. Evaluation side by hash (stable: documents ascending), the first holder owns the n-gram.
    order = np.argsort(e_grams, kind="stable")
    e_grams, e_docs = e_grams[order], e_docs[order]
    first = np.empty(len(e_grams), dtype=bool)
    first[0] = True
    np.not_equal(e_grams[1:], e_grams[:-1], out=first[1:])
    owned, owners = e_grams[first], e_docs[first]
    # Every evaluation occurrence of a shared n-gram survived the filters (they only drop n-grams the other
    # side lacks), so the evaluation documents holding each owned n-gram are counted exactly here.
    owned_at = np.cumsum(first) - 1  # each evaluation occurrence's index into ``owned``
    # Training side by hash too (stable: documents ascending), so each look-up below is a merge, not a search.
    order = np.argsort(t_grams, kind="stable")
    by_position = t_docs, t_pos  # the training side is still in position order here
    t_grams, t_docs = t_grams[order], t_docs[order]
    at = np.searchsorted(owned, t_grams)
    at[at == len(owned)] = 0
    shared = owned[at] == t_grams
    if min_passage_words is not None:  # passages need every occurrence, in position order: scatter back
        at_by_position = np.empty_like(at)
        at_by_position[order] = np.where(shared, at, -1)
        held = at_by_position >= 0
        every_docs, every_pos, every_at = by_position[0][held], by_position[1][held], at_by_position[held]
    t_grams, t_docs, at = t_grams[shared], t_docs[shared], at[shared]
    if len(t_grams) == 0:
        return _empty_scan(max_document_frequency)
    once = np.empty(len(t_grams), dtype=bool)  # each distinct n-gram once per training document
    once[0] = True
    once[1:] = (t_grams[1:] != t_grams[:-1]) | (t_docs[1:] != t_docs[:-1])
    t_docs, at = t_docs[once], at[once]
    in_both = np.bincount(at, minlength=len(owned)) > 0
    limit = max_document_frequency
    cut = np.zeros(len(owned), dtype=bool)
    if limit is not None:
        cut = (_holders(at, t_docs, owned_at, e_docs, len(owned), train_groups, eval_groups, limit) > limit) & in_both
    waived = np.zeros(len(owned), dtype=bool)
    if ignored is not None and len(ignored):
        waived = np.isin(owned, ignored) & in_both & ~cut
    sizes: dict[int, int] = {}
    eval_words = evaluation.lengths()
    passage_words = min_passage_words or 0

    def in_passages(counted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(training document, owned n-gram) of the counted n-grams that lie in a passage of at least
        ``min_passage_words`` words of counted n-grams in a row (a gap of up to ``n`` n-grams, one changed
        word, bridged), or in as many words as the n-gram's evaluation document has, if it is shorter."""
        m = slice(None) if counted is None else counted[every_at]
        docs, pos, grams = every_docs[m], every_pos[m], every_at[m]
        if len(pos) == 0:
            return docs, grams
        new = np.concatenate(([True], (np.diff(pos) > n + 1) | (docs[1:] != docs[:-1])))
        run = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], len(pos)) - 1
        span = pos[ends] - pos[starts] + n  # words the passage covers
        need = np.minimum(passage_words, eval_words[owners[grams]])
        keep = span[run] >= need
        keys = _sorted_unique(docs[keep] * len(owned) + grams[keep])
        return keys // len(owned), keys % len(owned)

    def hits_of(counted: np.ndarray | None) -> list[tuple[int, int, int, float]]:
        if min_passage_words is not None:
            docs, grams = in_passages(counted)
        else:
            docs, grams = (t_docs, at) if counted is None else (t_docs[counted[at]], at[counted[at]])
        if len(docs) == 0:
            return []
        pair_keys = np.sort(docs * len(evaluation) + owners[grams])
        starts = np.flatnonzero(np.concatenate(([True], pair_keys[1:] != pair_keys[:-1])))
        counts = np.diff(np.append(starts, len(pair_keys)))
        pair_keys = pair_keys[starts]
        train_idx, eval_idx = pair_keys // len(evaluation), pair_keys % len(evaluation)
        hits = []
        for t, e, k in zip(train_idx.tolist(), eval_idx.tolist(), counts.tolist()):
            if e not in sizes:
                sizes[e] = _distinct_count(eval_grams[eval_offsets[e] : eval_offsets[e + 1]])
            if k >= min(min_shared, sizes[e]):
                hits.append((t, e, k, round(k / max(1, sizes[e]), 4)))
        return hits

    with_cut = hits_of(~cut) if cut.any() else hits_of(None)
    without_cut = hits_of(None) if cut.any() else with_cut
    final = hits_of(~cut & ~waived) if waived.any() else with_cut
    return ContaminationScan(
        final,
        with_cut,
        len({t for t, *_ in without_cut}),
        int(in_both.sum()),
        int(cut.sum()),
        int(waived.sum()),
        limit,
        owned[waived],
    )


def contamination_hits(
    train: list[Record],
    evaluation: list[Record],
    n: int = 13,
    min_shared: int = 10,
    train_words: WordHashes | None = None,
    eval_words: WordHashes | None = None,
    max_document_frequency: int | None = None,
) -> list[ContaminationHit]:
    train_words = train_words if train_words is not None else hash_words([r.text for r in train])
    eval_words = eval_words if eval_words is not None else hash_words([r.text for r in evaluation])
    return [
        ContaminationHit(train[t].id, evaluation[e].id, k, cov)
        for t, e, k, cov in contamination_indices(train_words, eval_words, n, min_shared, max_document_frequency)
    ]
