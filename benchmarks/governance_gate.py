"""Governance gate benchmark: longloop's gate against its baselines, measured in the same run.

Prints one JSON object:

- ``gate``: the whole gate (license, exact and near duplicates, contamination, label leakage, PII) over
  ``--docs`` demo documents of about ``--tokens`` words each, with planted problems, and where the time
  goes (each check timed again on its own); planted duplicates, license violations and PII found.
- ``near_duplicates``: at ``--pairwise-docs`` documents, longloop's numpy MinHash LSH with exact
  verification against an exhaustive comparison of every pair (exact Jaccard of the shingle sets of all
  pairs, computed as a sparse matrix product in row blocks) — speedup and whether the same pairs are
  found — and datasketch's ``MinHashLSH`` (128 permutations) on the same documents, with the old setting
  (word 5-grams, 0.8) and with longloop's shingles and threshold: time, precision and recall on the planted
  copies (exact copies and copies with 3% of their words dropped or replaced).

Usage: ``python benchmarks/governance_gate.py [--docs 100000] [--pairwise-docs 10000] [--tokens 2000]``.
Generating 100,000 documents of 2,000 words takes about three minutes; it is not part of any figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.demo_corpus import generate_corpus_with_plants  # noqa: E402
from corpus.records import record_from_mapping  # noqa: E402
from corpus.splits import assign_splits, by_split  # noqa: E402
from governance.contamination import contamination_indices  # noqa: E402
from governance.exact_duplicates import exact_duplicate_index_groups  # noqa: E402
from governance.gate import run_gate  # noqa: E402
from governance.label_leakage import leaky_tokens  # noqa: E402
from governance.license_policy import judge_license  # noqa: E402
from governance.near_duplicates import near_duplicate_indices  # noqa: E402
from governance.pii import find_pii  # noqa: E402
from governance.text_normalization import normalized_words  # noqa: E402
from governance.word_hashing import hash_words, ngram_hashes  # noqa: E402
from settings.params import GovernanceParams  # noqa: E402


def _log(msg: str) -> None:
    print(f"[governance-bench] {msg}", file=sys.stderr, flush=True)


def _corpus(n: int, tokens: int, seed: int, stream: int):
    rows, manifest = generate_corpus_with_plants(n, seed=seed, stream=stream, median_tokens=tokens,
                                                 length_sigma=0.25, max_tokens=4 * tokens,
                                                 plant=("duplicates", "licenses", "pii"))
    index = {r["id"]: i for i, r in enumerate(rows)}
    truth = {tuple(sorted((index[a], index[b]))) for a, b in manifest.exact_copies + manifest.near_copies}
    return rows, manifest, truth


def _scores(found: set, truth: set) -> dict:
    tp = len(found & truth)
    return {"found": len(found), "planted": len(truth), "precision": round(tp / max(1, len(found)), 4),
            "recall": round(tp / max(1, len(truth)), 4)}


def _duplicate_pairs(words, params) -> set:
    nd = params.near_duplicates
    pairs = {(i, j) for i, j, _ in near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)}
    for group in exact_duplicate_index_groups(words):
        pairs |= {(a, b) for k, a in enumerate(group) for b in group[k + 1:]}
    return pairs


def gate_benchmark(n: int, tokens: int, seed: int) -> dict:
    _log(f"generating {n} documents of about {tokens} words")
    rows, manifest, truth = _corpus(n, tokens, seed, stream=0)
    records = assign_splits([record_from_mapping(r, "bench", 10**7) for r in rows], 0.15, 0.15, seed)
    texts = [r.text for r in records]
    words_total = None
    params = GovernanceParams()
    _log("whole gate")
    t0 = time.perf_counter()
    report, kept = run_gate(records, params)
    whole = time.perf_counter() - t0

    _log("each check alone")
    stages = {}
    t = time.perf_counter()
    words = hash_words(texts)
    stages["hash_words"] = time.perf_counter() - t
    words_total = int(words.offsets[-1])
    t = time.perf_counter()
    judged = {raw: judge_license(raw, params.licenses.allow, params.licenses.deny) for raw in {r.license for r in records}}
    stages["license"] = time.perf_counter() - t
    t = time.perf_counter()
    exact_duplicate_index_groups(words)
    stages["exact_duplicates"] = time.perf_counter() - t
    t = time.perf_counter()
    nd = params.near_duplicates
    near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)
    stages["near_duplicates"] = time.perf_counter() - t
    split_idx = {s: np.array([i for i, r in enumerate(records) if r.split == s]) for s in ("train", "validation", "test")}
    train_words = words.subset(split_idx["train"])
    held_words = words.subset(np.concatenate([split_idx["validation"], split_idx["test"]]))
    t = time.perf_counter()
    contamination_indices(train_words, held_words, params.contamination.ngram, params.contamination.min_shared_ngrams)
    stages["contamination"] = time.perf_counter() - t
    t = time.perf_counter()
    leaky_tokens(by_split(records)["train"], words=train_words)
    stages["label_leakage"] = time.perf_counter() - t
    t = time.perf_counter()
    pii = {r.id: {f.kind for f in find_pii(r.text)} for r in records}
    stages["pii"] = time.perf_counter() - t

    found_pairs = _duplicate_pairs(words, params)
    license_bad = {r.id for r in records if judged[r.license].status != "allowed"}
    pii_recall = {}
    for kind in sorted({p["kind"] for p in manifest.pii}):
        planted = [p["id"] for p in manifest.pii if p["kind"] == kind]
        pii_recall[kind] = {"planted": len(planted), "recall": round(sum(kind in pii[i] for i in planted) / len(planted), 4)}
    return {
        "documents": n, "words": words_total, "cpu_cores": os.cpu_count(),
        "seconds": round(whole, 2), "verdict": report.verdict, "kept": len(kept),
        "violations": {name: c["violations"] for name, c in report.checks.items()},
        "seconds_by_check_alone": {k: round(v, 2) for k, v in stages.items()},
        "planted_duplicates": _scores(found_pairs, truth),
        "planted_license_violations": {"planted": len(manifest.licenses),
                                       "caught": len(set(manifest.licenses) & license_bad)},
        "planted_pii_recall": pii_recall,
    }


def _exhaustive_pairs(words, shingle_words: int, threshold: float) -> set:
    """Exact Jaccard of every pair of shingle sets: a sparse document x shingle matrix times its transpose."""
    from scipy import sparse

    grams, offsets = ngram_hashes(words, shingle_words, short_docs_whole=True)
    docs = np.repeat(np.arange(len(words)), np.diff(offsets))
    keys, inverse = np.unique(grams, return_inverse=True)
    x = sparse.csr_matrix((np.ones(len(grams), dtype=np.float32), (docs, inverse)), shape=(len(words), len(keys)))
    x.sum_duplicates()
    x.data[:] = 1  # a set holds each shingle once
    sizes = np.asarray(x.sum(axis=1)).ravel()
    xt = x.T.tocsc()
    pairs = set()
    for lo in range(0, len(words), 500):
        inter = (x[lo:lo + 500] @ xt).toarray()
        union = sizes[lo:lo + 500, None] + sizes[None, :] - inter
        i, j = np.nonzero(inter >= threshold * union)
        pairs |= {(int(a + lo), int(b)) for a, b in zip(i, j) if a + lo < b}
    return pairs


def _datasketch(texts: list[str], shingle_words: int, threshold: float) -> tuple[set, float]:
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    template = MinHash(num_perm=128, seed=1)
    found = set()
    for i, text in enumerate(texts):
        w = normalized_words(text)
        shingles = {" ".join(w[k:k + shingle_words]).encode() for k in range(max(1, len(w) - shingle_words + 1))}
        mh = template.copy()
        mh.clear()
        mh.update_batch(list(shingles))
        for other in lsh.query(mh):
            found.add((other, i))
        lsh.insert(i, mh)
    return found, time.perf_counter() - t


def near_duplicate_benchmark(n: int, tokens: int, seed: int) -> dict:
    _log(f"generating {n} documents for the near-duplicate comparison")
    rows, _, truth = _corpus(n, tokens, seed, stream=1)
    texts = [r["text"] for r in rows]
    nd = GovernanceParams().near_duplicates
    _log("longloop LSH")
    t = time.perf_counter()
    words = hash_words(texts)
    lsh_pairs = {(i, j) for i, j, _ in near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)}
    lsh_s = time.perf_counter() - t
    _log("exhaustive pairwise")
    t = time.perf_counter()
    words2 = hash_words(texts)
    exhaustive = _exhaustive_pairs(words2, nd.shingle_words, nd.threshold)
    exhaustive_s = time.perf_counter() - t
    out = {
        "documents": n, "shingle_words": nd.shingle_words, "threshold": nd.threshold, "num_perm": nd.num_perm,
        "longloop_lsh": {"seconds": round(lsh_s, 3), **_scores(lsh_pairs, truth)},
        "exhaustive": {"seconds": round(exhaustive_s, 2), **_scores(exhaustive, truth)},
        "speedup_vs_exhaustive": round(exhaustive_s / lsh_s, 1),
        "same_pairs_as_exhaustive": lsh_pairs == exhaustive,
        "missed_vs_exhaustive": len(exhaustive - lsh_pairs), "extra_vs_exhaustive": len(lsh_pairs - exhaustive),
    }
    for name, k, th in (("datasketch_5gram_0.8", 5, 0.8), (f"datasketch_{nd.shingle_words}gram_{nd.threshold}",
                                                           nd.shingle_words, nd.threshold)):
        _log(name)
        candidates, secs = _datasketch(texts, k, th)  # datasketch's candidates, unverified
        out[name] = {"seconds": round(secs, 2), **_scores(candidates, truth)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--pairwise-docs", type=int, default=10_000)
    ap.add_argument("--tokens", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    result = {"near_duplicates": near_duplicate_benchmark(args.pairwise_docs, args.tokens, args.seed),
              "gate": gate_benchmark(args.docs, args.tokens, args.seed)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
