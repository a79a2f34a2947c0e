"""Contamination: training text that shares n-grams with validation, test or benchmark text.

n-grams held by many documents (templates, boilerplate, license paragraphs) are cut before counting
(``governance.contamination.max_document_frequency``); n-grams a waiver accepted are ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext
from longloop.governance.contamination import ContaminationHit, contamination_scan
from longloop.governance.waivers import ngram_waiver_hashes


@dataclass(frozen=True)
class ContaminationSummary:
    ngram: int
    documents: int  # training and held-out (benchmark sets included) documents compared
    document_frequency_limit: int | None  # n-grams in more documents than this were cut
    ngrams_shared: int  # distinct n-grams in both training and held-out text
    ngrams_cut: int  # of those, cut as too common
    ngrams_waived: int  # of those not cut, accepted by n-gram waivers
    records_flagged_without_cut: int  # what the check would flag with every n-gram counted
    waiver_matches: dict[int, int]  # n-gram waiver (index among the n-gram waivers) -> shared n-grams it covered


class ContaminationCheck(BaseCheck):
    name = "contamination"

    def run(self, context: GateContext) -> CheckResult:
        cp = context.params.contamination
        held = context.held_out
        documents = context.n_train + len(held)
        waivers = ngram_waiver_hashes(context.waivers, cp.ngram)
        limit = cp.document_frequency_limit(documents)
        train_groups = eval_groups = None
        if limit is not None:  # copies of one document count once: see contamination_scan
            groups = context.duplicate_groups[context.order]
            train_groups = groups[: context.n_train]
            eval_groups = np.concatenate(
                [groups[context.n_train :], len(context.records) + np.arange(len(context.benchmarks))]
            )
        scan = contamination_scan(
            context.train_words,
            context.held_out_words,
            cp.ngram,
            cp.min_shared_ngrams,
            limit,
            waivers.hashes,
            train_groups,
            eval_groups,
            cp.min_passage_words,
        )
        train = context.splits["train"]
        findings = []
        final = {(t, e) for t, e, *_ in scan.hits}
        matches: dict[int, int] = {}
        if len(scan.ignored_shared):
            at = np.searchsorted(waivers.hashes, scan.ignored_shared)
            for w, k in zip(*np.unique(waivers.waiver_of[at], return_counts=True)):
                matches[int(w)] = int(k)
        accepted = tuple(waivers.waivers[w] for w in sorted(matches))
        for t, e, k, cov in scan.hits_before_ignored:  # the hits the n-gram waivers removed stay, as waived
            hit = ContaminationHit(train[t].id, held[e].id, k, cov)
            findings.append(
                Finding(
                    self.name,
                    hit.train_id,
                    f"{cp.ngram}-gram overlap with {hit.eval_id} ({k} shared n-grams)",
                    related=(hit.eval_id,),
                    detail=hit,
                    waived_by=() if (t, e) in final else accepted,
                )
            )
        return CheckResult(
            findings,
            ContaminationSummary(
                cp.ngram,
                documents,
                scan.document_frequency_limit,
                scan.ngrams_shared,
                scan.ngrams_cut,
                scan.ngrams_ignored,
                scan.flagged_without_cut,
                matches,
            ),
        )

    def violations(self, findings: list[Finding]) -> int:
        return len({f.record_id for f in findings if f.counted})  # training records, not pairs

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        s = result.summary
        return {
            "ngram": s.ngram,
            "hits": [asdict(f.detail) for f in unwaived[:limit]],
            "document_frequency_limit": s.document_frequency_limit,
            "ngrams_shared": s.ngrams_shared,
            "ngrams_cut": s.ngrams_cut,
            "ngrams_waived": s.ngrams_waived,
            "records_flagged_without_cut": s.records_flagged_without_cut,
        }
