"""Leakage: exact or near duplicates that sit in different splits (the evaluation would grade a seen text)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext


@dataclass(frozen=True)
class LeakPair:
    a: str
    b: str
    splits: tuple[str, str]
    jaccard: float


class LeakageCheck(BaseCheck):
    """One finding per pair across splits, on the pair's training side (what a quarantine removes), else on the
    later record of the pair (validation against test)."""

    name = "leakage"

    def run(self, context: GateContext) -> CheckResult:
        split_of, findings = context.split_of, []
        for p in context.duplicate_pairs:
            sa, sb = split_of[p.a], split_of[p.b]
            if sa == sb:
                continue
            on, other = (p.a, p.b) if sa == "train" else (p.b, p.a)
            findings.append(
                Finding(
                    self.name,
                    on,
                    f"duplicate across splits of {other}",
                    related=(other,),
                    detail=LeakPair(p.a, p.b, (sa, sb), p.jaccard),
                )
            )
        return CheckResult(findings)

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        return {"pairs": [{**asdict(f.detail), "splits": list(f.detail.splits)} for f in unwaived[:limit]]}
