"""The governance gate: license, leakage, contamination and PII checks combined into one verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from longloop.corpus.records import Record
from longloop.corpus.splits import by_split
from longloop.governance.contamination import contamination_hits
from longloop.governance.exact_duplicates import exact_duplicate_index_groups
from longloop.governance.label_leakage import leaky_tokens
from longloop.governance.license_policy import judge_license
from longloop.governance.near_duplicates import near_duplicate_indices
from longloop.governance.pii import find_pii
from longloop.governance.word_hashing import WordHashes, hash_words
from longloop.settings.params import GovernanceParams

MAX_LISTED = 50  # pairs/ids listed per check in the report; counts are always complete


@dataclass
class GateReport:
    verdict: str  # "pass" | "fail"
    checks: dict
    removed: dict[str, str] = field(default_factory=dict)  # id -> reason (quarantined or deduplicated)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _check(violations: int, details: dict, blocking: bool = True) -> dict:
    return {"passed": violations == 0 or not blocking, "violations": violations, **details}


def run_gate(records: list[Record], params: GovernanceParams,
             benchmarks: list[Record] | None = None) -> tuple[GateReport, list[Record]]:
    """Judge a split dataset; returns the report and the records that may be used for training."""
    splits = by_split(records)
    split_of = {r.id: r.split or "train" for r in records}
    checks: dict[str, dict] = {}
    violators: dict[str, str] = {}
    # Every text check reads the same normalised words, hashed once for the whole dataset, in split order
    # (train, validation, test) so that each split is one contiguous slice of the hashes, not a copy.
    rank = {"train": 0, "validation": 1, "test": 2}
    order = np.array(sorted(range(len(records)), key=lambda k: rank[records[k].split or "train"]), dtype=np.int64)
    words = hash_words([records[i].text for i in order.tolist()])
    n_train, n_held = len(splits["train"]), len(splits["validation"]) + len(splits["test"])

    # Licenses (judged once per distinct spelling)
    judged = {raw: judge_license(raw, params.licenses.allow, params.licenses.deny) for raw in {r.license for r in records}}
    verdicts = {r.id: judged[r.license] for r in records}
    denied = [i for i, v in verdicts.items() if v.status == "denied"]
    unknown = [i for i, v in verdicts.items() if v.status == "unknown"]
    # Unknown licenses: "block" fails the gate, "quarantine" sets the records aside, "allow" lets them through.
    bad = denied + (unknown if params.licenses.unknown == "block" else [])
    for i in bad:
        violators[i] = f"license {verdicts[i].expression} is {verdicts[i].status}"
    set_aside = {i: f"license {verdicts[i].expression} is unknown" for i in unknown} \
        if params.licenses.unknown == "quarantine" else {}
    checks["license"] = _check(len(bad), {
        "breakdown": dict(Counter(v.expression for v in verdicts.values()).most_common()),
        "denied": denied[:MAX_LISTED], "unknown": unknown[:MAX_LISTED], "quarantined_unknown": len(set_aside)})

    # Exact and near duplicates: across splits they are leakage; inside train, redundant copies.
    exact = sorted(sorted(order[g].tolist()) for g in exact_duplicate_index_groups(words))
    nd = params.near_duplicates
    near = sorted((*sorted((int(order[i]), int(order[j]))), jac) for i, j, jac in
                  near_duplicate_indices(words, nd.threshold, nd.num_perm, nd.shingle_words))
    pairs = [(records[g[0]].id, records[other].id, 1.0) for g in exact for other in g[1:]] + \
            [(records[i].id, records[j].id, jac) for i, j, jac in near]
    leak_pairs, train_dups, seen = [], [], set()
    for a, b, score in pairs:
        if (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        if split_of[a] != split_of[b]:
            leak_pairs.append({"a": a, "b": b, "splits": [split_of[a], split_of[b]], "jaccard": score})
            train_side = a if split_of[a] == "train" else b if split_of[b] == "train" else b
            violators.setdefault(train_side, f"duplicate across splits of {b if train_side == a else a}")
        elif split_of[a] == "train":
            train_dups.append({"a": a, "b": b, "jaccard": score})
    checks["leakage"] = _check(len(leak_pairs), {"pairs": leak_pairs[:MAX_LISTED]})
    checks["duplicates"] = _check(0, {"within_train": len(train_dups), "pairs": train_dups[:MAX_LISTED]})

    # Contamination of training text by evaluation and benchmark text
    held_out = splits["validation"] + splits["test"] + list(benchmarks or [])
    held_out_words = words.slice(n_train, n_train + n_held)
    if benchmarks:
        bench = hash_words([r.text for r in benchmarks])
        held_out_words = WordHashes(np.concatenate([held_out_words.hashes, bench.hashes]),
                                    np.concatenate([held_out_words.offsets, held_out_words.offsets[-1] + bench.offsets[1:]]),
                                    np.concatenate([held_out_words.id_like, bench.id_like]))
    train_words = words.slice(0, n_train)
    hits = contamination_hits(splits["train"], held_out, params.contamination.ngram,
                              params.contamination.min_shared_ngrams, train_words=train_words,
                              eval_words=held_out_words)
    for h in hits:
        violators.setdefault(h.train_id, f"{params.contamination.ngram}-gram overlap with {h.eval_id}")
    checks["contamination"] = _check(len({h.train_id for h in hits}), {
        "ngram": params.contamination.ngram, "hits": [asdict(h) for h in hits[:MAX_LISTED]]})

    # Label leakage: decided on the training split, where a model would learn the shortcut
    leaks = leaky_tokens(splits["train"], words=train_words)
    checks["label_leakage"] = _check(len(leaks), {"tokens": [asdict(t) for t in leaks[:MAX_LISTED]]})

    # Personal data and secrets
    pii_by_record = {r.id: Counter(f.kind for f in find_pii(r.text)) for r in records}
    pii_ids = [i for i, c in pii_by_record.items() if c]
    if params.block_on_pii:
        for i in pii_ids:
            violators.setdefault(i, "contains " + ", ".join(sorted(pii_by_record[i])))
    kinds = sum((pii_by_record[i] for i in pii_ids), Counter())
    checks["pii"] = _check(len(pii_ids), {"by_kind": dict(kinds),
                                          "records": {i: dict(pii_by_record[i]) for i in pii_ids[:MAX_LISTED]}},
                           blocking=params.block_on_pii)

    removed: dict[str, str] = dict(set_aside)
    reasons = [f"{name}: {c['violations']} violation(s)" for name, c in checks.items() if not c["passed"]]
    if params.on_violation == "quarantine":
        removed.update(violators)
        # Label leakage is a property of the dataset, not of a record: quarantine cannot fix it.
        verdict = "fail" if not checks["label_leakage"]["passed"] else "pass"
    else:
        verdict = "fail" if reasons else "pass"
    for d in train_dups:
        removed.setdefault(d["b"], f"duplicate of {d['a']} within train")
    kept = [r for r in records if r.id not in removed]
    if not kept:  # a dataset the gate emptied (every license unknown and quarantined, say) does not pass
        verdict = "fail"
        reasons.append("no records left after the gate")
    return GateReport(verdict=verdict, checks=checks, removed=removed, reasons=reasons), kept
