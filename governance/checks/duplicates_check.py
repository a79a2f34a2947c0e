"""Duplicates inside the training split: redundant copies, quarantined by default (the first copy stays)."""

from __future__ import annotations

from dataclasses import asdict

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext


class DuplicatesCheck(BaseCheck):
    name = "duplicates"
    # Dropping a second copy loses nothing to learn from (the first stays): a corpus of package families may
    # hold a quarter of copies, and that is not the broken dataset the quarantine cap is there to stop.
    counts_toward_quarantine_cap = False

    def default_action(self, params) -> str:
        return "quarantine"  # a second copy adds nothing to learn from: drop it and go on

    def run(self, context: GateContext) -> CheckResult:
        split_of = context.split_of
        return CheckResult(
            [
                Finding(self.name, p.b, f"duplicate of {p.a} within train", related=(p.a,), detail=p)
                for p in context.duplicate_pairs
                if split_of[p.a] == split_of[p.b] == "train"
            ]
        )

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        return {"within_train": len(unwaived), "pairs": [asdict(f.detail) for f in unwaived[:limit]]}
