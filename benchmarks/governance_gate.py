"""Governance gate benchmark: longloop's gate against its baselines, measured in the same run.

Prints one JSON object:

- ``gate``: the whole gate (license, exact and near duplicates, contamination, label leakage, PII) over
  ``--docs`` demo documents of about ``--tokens`` words each, with planted problems, and where the time
  goes (each check timed again on its own); planted duplicates, license violations and PII found.
- ``near_duplicates``: at ``--pairwise-docs`` documents, longloop's numpy MinHash LSH with exact
  verification against every baseline, each timed in the same run from the same texts:

  * ``exhaustive_exact_jaccard``: exact Jaccard of the shingle sets of every pair, computed as a sparse
    matrix product in row blocks. The ground truth for "the same pairs found".
  * ``exhaustive_minhash_signatures``: every pair's MinHash signatures compared (the fraction of the
    ``num_perm`` slots that agree, vectorised in blocks), pairs whose estimate reaches the threshold.
  * ``exhaustive_python_sets``: Python ``set`` Jaccard of every pair; the sets are built for all documents,
    the comparisons are timed on a random sample of pairs and **extrapolated** to all pairs.
  * datasketch's ``MinHashLSH`` (128 permutations), with the old setting (word 5-grams, 0.8) and with
    longloop's shingles and threshold: time, precision and recall on the planted copies (exact copies and
    copies with 3% of their words dropped or replaced).

  Speedups are given from text (word hashing included on both sides, as the gate runs) and, for the
  baselines that start from the same hashed words, for the search alone; ``meets_50x`` says which
  baselines longloop beats by 50x or more. The LSH is timed ``--repeats`` times (median reported, every
  run listed); each baseline once. ``load_average`` shows how busy the machine was (other processes
  included): under contention wall-clock figures grow, so ``cpu_seconds`` (this process) is given too.

Usage: ``python benchmarks/governance_gate.py [--docs 100000] [--pairwise-docs 10000] [--tokens 2000]
[--repeats 3]``.
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

from longloop.corpus.demo_corpus import generate_corpus_with_plants  # noqa: E402
from longloop.corpus.records import record_from_mapping  # noqa: E402
from longloop.corpus.splits import assign_splits, by_split  # noqa: E402
from longloop.governance.contamination import contamination_scan  # noqa: E402
from longloop.governance.exact_duplicates import exact_duplicate_index_groups  # noqa: E402
from longloop.governance.gate import run_gate  # noqa: E402
from longloop.governance.label_leakage import leaky_tokens  # noqa: E402
from longloop.governance.license_policy import judge_license  # noqa: E402
from longloop.governance.near_duplicates import minhash_sketches, near_duplicate_indices  # noqa: E402
from longloop.governance.pii import find_pii  # noqa: E402
from longloop.governance.text_normalization import normalized_words  # noqa: E402
from longloop.governance.word_hashing import hash_words, ngram_hashes  # noqa: E402
from longloop.settings.params import GovernanceParams  # noqa: E402


def _log(msg: str) -> None:
    print(f"[governance-bench] {msg}", file=sys.stderr, flush=True)


def _corpus(n: int, tokens: int, seed: int, stream: int):
    rows, manifest = generate_corpus_with_plants(
        n,
        seed=seed,
        stream=stream,
        median_tokens=tokens,
        length_sigma=0.25,
        max_tokens=4 * tokens,
        plant=("duplicates", "licenses", "pii"),
    )
    index = {r["id"]: i for i, r in enumerate(rows)}
    truth = {tuple(sorted((index[a], index[b]))) for a, b in manifest.exact_copies + manifest.near_copies}
    return rows, manifest, truth


def _scores(found: set, truth: set) -> dict:
    tp = len(found & truth)
    return {
        "found": len(found),
        "planted": len(truth),
        "precision": round(tp / max(1, len(found)), 4),
        "recall": round(tp / max(1, len(truth)), 4),
    }


def _duplicate_pairs(words, params) -> set:
    nd = params.near_duplicates
    pairs = {(i, j) for i, j, _ in near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)}
    for group in exact_duplicate_index_groups(words):
        pairs |= {(a, b) for k, a in enumerate(group) for b in group[k + 1 :]}
    return pairs


def gate_benchmark(n: int, tokens: int, seed: int) -> dict:
    _log(f"generating {n} documents of about {tokens} words")
    rows, manifest, truth = _corpus(n, tokens, seed, stream=0)
    records = assign_splits([record_from_mapping(r, "bench", 10**7) for r in rows], 0.15, 0.15, seed)
    texts = [r.text for r in records]
    words_total = None
    params = GovernanceParams()
    load_before = os.getloadavg()
    _log("whole gate")
    (report, kept), whole, whole_cpu = _timed(lambda: run_gate(records, params))

    _log("each check alone")
    stages = {}
    # as the gate does: words hashed in split order, so each split is a slice
    rank = {"train": 0, "validation": 1, "test": 2}
    order = sorted(range(len(records)), key=lambda k: rank[records[k].split])
    n_train = sum(r.split == "train" for r in records)
    t = time.perf_counter()
    words = hash_words([texts[k] for k in order])
    stages["hash_words"] = time.perf_counter() - t
    words_total = int(words.offsets[-1])
    t = time.perf_counter()
    judged = {
        raw: judge_license(raw, params.licenses.allow, params.licenses.deny) for raw in {r.license for r in records}
    }
    stages["license"] = time.perf_counter() - t
    t = time.perf_counter()
    exact_duplicate_index_groups(words)
    stages["exact_duplicates"] = time.perf_counter() - t
    t = time.perf_counter()
    nd = params.near_duplicates
    near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)
    stages["near_duplicates"] = time.perf_counter() - t
    train_words, held_words = words.slice(0, n_train), words.slice(n_train, len(records))
    t = time.perf_counter()
    cp = params.contamination  # as the gate runs it, less the grouping of copies (which reads the duplicate pairs)
    contamination_scan(
        train_words,
        held_words,
        cp.ngram,
        cp.min_shared_ngrams,
        cp.document_frequency_limit(len(records)),
        min_passage_words=cp.min_passage_words,
    )
    stages["contamination"] = time.perf_counter() - t
    t = time.perf_counter()
    leaky_tokens(by_split(records)["train"], words=train_words)
    stages["label_leakage"] = time.perf_counter() - t
    t = time.perf_counter()
    pii = {r.id: {f.kind for f in find_pii(r.text)} for r in records}
    stages["pii"] = time.perf_counter() - t

    found_pairs = {tuple(sorted((order[i], order[j]))) for i, j in _duplicate_pairs(words, params)}
    license_bad = {r.id for r in records if judged[r.license].status != "allowed"}
    pii_recall = {}
    for kind in sorted({p["kind"] for p in manifest.pii}):
        planted = [p["id"] for p in manifest.pii if p["kind"] == kind]
        pii_recall[kind] = {
            "planted": len(planted),
            "recall": round(sum(kind in pii[i] for i in planted) / len(planted), 4),
        }
    return {
        "documents": n,
        "words": words_total,
        "cpu_cores": os.cpu_count(),
        "seconds": round(whole, 2),
        "cpu_seconds": round(whole_cpu, 2),
        "meets_60s": whole < 60,
        "verdict": report.verdict,
        "kept": len(kept),
        "violations": {name: c.violations for name, c in report.checks.items()},
        "contamination_cut": {
            k: report.checks["contamination"].listing[k]
            for k in ("document_frequency_limit", "ngrams_shared", "ngrams_cut", "records_flagged_without_cut")
        },
        "seconds_by_check_alone": {k: round(v, 2) for k, v in stages.items()},
        "planted_duplicates": _scores(found_pairs, truth),
        "planted_license_violations": {
            "planted": len(manifest.licenses),
            "caught": len(set(manifest.licenses) & license_bad),
        },
        "planted_pii_recall": pii_recall,
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
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
        inter = (x[lo : lo + 500] @ xt).toarray()
        union = sizes[lo : lo + 500, None] + sizes[None, :] - inter
        i, j = np.nonzero(inter >= threshold * union)
        pairs |= {(int(a + lo), int(b)) for a, b in zip(i, j) if a + lo < b}
    return pairs


def _minhash_all_pairs(sketches: np.ndarray, threshold: float, block: int = 256) -> set:
    """Every pair's MinHash signatures compared slot by slot: pairs whose agreement reaches the threshold."""
    n, k = sketches.shape
    need = int(np.ceil(threshold * k - 1e-9))
    cols = np.ascontiguousarray(sketches.T)
    pairs = set()
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        agree = np.zeros((hi - lo, n - lo), dtype=np.uint16)
        for c in range(k):
            agree += cols[c, lo:hi, None] == cols[c, None, lo:]
        i, j = np.nonzero(agree >= need)
        keep = i < j
        pairs |= set(zip((lo + i[keep]).tolist(), (lo + j[keep]).tolist()))
    return pairs


def _python_sets(words, shingle_words: int, threshold: float, sample: int, seed: int) -> dict:
    """Python ``set`` Jaccard: sets of every document's shingles, then a random sample of pairs compared;
    the comparison time is extrapolated to all pairs (the pairs found are those of the sample only)."""
    t = time.perf_counter()
    grams, offsets = ngram_hashes(words, shingle_words, short_docs_whole=True)
    sets = [set(grams[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(words))]
    build_s = time.perf_counter() - t
    n = len(words)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, sample)
    j = rng.integers(0, n - 1, sample)
    j = np.where(j >= i, j + 1, j)
    t = time.perf_counter()
    hits = 0
    for a, b in zip(i.tolist(), j.tolist()):
        sa, sb = sets[a], sets[b]
        inter = len(sa & sb)
        hits += inter >= threshold * (len(sa) + len(sb) - inter)
    sample_s = time.perf_counter() - t
    all_pairs = n * (n - 1) // 2
    return {
        "build_sets_seconds": round(build_s, 2),
        "sampled_pairs": sample,
        "sample_seconds": round(sample_s, 3),
        "all_pairs": all_pairs,
        "pairs_at_threshold_in_sample": int(hits),
        "search_seconds_extrapolated": round(build_s + sample_s * all_pairs / sample, 1),
    }


def _datasketch(texts: list[str], shingle_words: int, threshold: float) -> tuple[set, float]:
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    template = MinHash(num_perm=128, seed=1)
    found = set()
    for i, text in enumerate(texts):
        w = normalized_words(text)
        shingles = {" ".join(w[k : k + shingle_words]).encode() for k in range(max(1, len(w) - shingle_words + 1))}
        mh = template.copy()
        mh.clear()
        mh.update_batch(list(shingles))
        for other in lsh.query(mh):
            found.add((other, i))
        lsh.insert(i, mh)
    return found, time.perf_counter() - t


def _timed(f):
    t, c = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - t, time.process_time() - c


def near_duplicate_benchmark(n: int, tokens: int, seed: int, repeats: int) -> dict:
    _log(f"generating {n} documents for the near-duplicate comparison")
    rows, _, truth = _corpus(n, tokens, seed, stream=1)
    texts = [r["text"] for r in rows]
    nd = GovernanceParams().near_duplicates
    load_before = os.getloadavg()
    _log("longloop LSH")
    runs = []
    for _ in range(max(1, repeats)):
        words, hash_s, hash_cpu = _timed(lambda: hash_words(texts))
        found, search_s, search_cpu = _timed(
            lambda words=words: near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words)
        )
        runs.append(
            {"hash_words": hash_s, "search": search_s, "total": hash_s + search_s, "cpu": hash_cpu + search_cpu}
        )
    lsh_pairs = {(i, j) for i, j, _ in found}
    median = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    hash_s, search_s = median["hash_words"], median["search"]
    out = {
        "documents": n,
        "shingle_words": nd.shingle_words,
        "threshold": nd.threshold,
        "num_perm": nd.num_perm,
        "longloop_lsh": {
            "seconds": round(median["total"], 3),
            "hash_words_seconds": round(hash_s, 3),
            "search_seconds": round(search_s, 3),
            "cpu_seconds": round(median["cpu"], 3),
            "runs_seconds": [round(r["total"], 3) for r in runs],
            **_scores(lsh_pairs, truth),
        },
    }

    _log("exhaustive exact Jaccard (sparse matrix products)")
    exhaustive, ex_search, ex_cpu = _timed(lambda: _exhaustive_pairs(words, nd.shingle_words, nd.threshold))
    out["exhaustive_exact_jaccard"] = {
        "seconds": round(hash_s + ex_search, 2),
        "search_seconds": round(ex_search, 2),
        "cpu_seconds": round(ex_cpu, 2),
        **_scores(exhaustive, truth),
    }
    out["same_pairs_as_exhaustive"] = lsh_pairs == exhaustive
    out["missed_vs_exhaustive"] = len(exhaustive - lsh_pairs)
    out["extra_vs_exhaustive"] = len(lsh_pairs - exhaustive)

    _log("exhaustive MinHash signature comparison")

    def signatures():
        return _minhash_all_pairs(minhash_sketches(words, nd.shingle_words, nd.num_perm), nd.threshold)

    mh_pairs, mh_search, mh_cpu = _timed(signatures)
    out["exhaustive_minhash_signatures"] = {
        "seconds": round(hash_s + mh_search, 2),
        "search_seconds": round(mh_search, 2),
        "cpu_seconds": round(mh_cpu, 2),
        **_scores(mh_pairs, truth),
        "same_pairs_as_exact": mh_pairs == exhaustive,
        "missed_vs_exact": len(exhaustive - mh_pairs),
        "extra_vs_exact": len(mh_pairs - exhaustive),
    }

    _log("Python set Jaccard on a sample of pairs (extrapolated)")
    py = _python_sets(words, nd.shingle_words, nd.threshold, sample=20_000, seed=seed)
    out["exhaustive_python_sets"] = {
        "seconds_extrapolated": round(hash_s + py["search_seconds_extrapolated"], 1),
        **py,
        "note": "extrapolated from the sample, not measured on all pairs",
    }

    speedups = {
        "exhaustive_exact_jaccard": (hash_s + ex_search, ex_search),
        "exhaustive_minhash_signatures": (hash_s + mh_search, mh_search),
        "exhaustive_python_sets (extrapolated)": (
            hash_s + py["search_seconds_extrapolated"],
            py["search_seconds_extrapolated"],
        ),
    }
    out["speedup"] = {
        name: {"from_text": round(full / median["total"], 1), "search_only": round(srch / search_s, 1)}
        for name, (full, srch) in speedups.items()
    }
    out["meets_50x"] = {
        name: {"from_text": v["from_text"] >= 50, "search_only": v["search_only"] >= 50}
        for name, v in out["speedup"].items()
    }

    for name, k, th in (
        ("datasketch_5gram_0.8", 5, 0.8),
        (f"datasketch_{nd.shingle_words}gram_{nd.threshold}", nd.shingle_words, nd.threshold),
    ):
        _log(name)
        candidates, secs = _datasketch(texts, k, th)  # datasketch's candidates, unverified
        out[name] = {"seconds": round(secs, 2), **_scores(candidates, truth)}
    out["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--pairwise-docs", type=int, default=10_000)
    ap.add_argument("--tokens", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of longloop's LSH (median reported)")
    args = ap.parse_args()
    result = {
        "near_duplicates": near_duplicate_benchmark(args.pairwise_docs, args.tokens, args.seed, args.repeats),
        "gate": gate_benchmark(args.docs, args.tokens, args.seed),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
