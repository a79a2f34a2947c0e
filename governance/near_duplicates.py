"""Near duplicates by MinHash LSH over word shingles, confirmed by the exact Jaccard of the shingle sets."""

from __future__ import annotations

from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from corpus.records import Record
from governance.text_normalization import normalized_words


@dataclass(frozen=True)
class NearDuplicatePair:
    a: str
    b: str
    jaccard: float


def _shingles(text: str, k: int) -> set[bytes]:
    words = normalized_words(text)
    if len(words) < k:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


def near_duplicate_pairs(records: list[Record], threshold: float, num_perm: int = 128,
                         shingle_words: int = 5, seed: int = 1) -> list[NearDuplicatePair]:
    """All pairs with shingle-set Jaccard >= threshold (LSH finds candidates, exact Jaccard confirms)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    pairs: list[NearDuplicatePair] = []
    shingles: dict[str, set[bytes]] = {}
    template = MinHash(num_perm=num_perm, seed=seed)
    for rec in records:
        sh = _shingles(rec.text, shingle_words)
        shingles[rec.id] = sh
        mh = template.copy()
        mh.clear()
        mh.update_batch(list(sh))
        lsh.insert(rec.id, mh)
        for other in lsh.query(mh):
            if other == rec.id:
                continue
            inter = len(sh & shingles[other])
            jac = inter / max(1, len(sh | shingles[other]))
            if jac >= threshold:
                pairs.append(NearDuplicatePair(a=other, b=rec.id, jaccard=round(jac, 4)))
    return pairs
