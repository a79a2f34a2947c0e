"""Personal data and secrets in the text of every record (kinds and counts only: never the values)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext
from longloop.governance.pii import find_pii


@dataclass(frozen=True)
class PiiKinds:
    kinds: dict[str, int]  # kind -> findings in the record


class PiiCheck(BaseCheck):
    name = "pii"

    def default_action(self, params) -> str:
        return params.on_violation if params.block_on_pii else "warn"

    def run(self, context: GateContext) -> CheckResult:
        findings = []
        for r in context.records:
            kinds = Counter(f.kind for f in find_pii(r.text))
            if kinds:
                findings.append(
                    Finding(self.name, r.id, "contains " + ", ".join(sorted(kinds)), detail=PiiKinds(dict(kinds)))
                )
        return CheckResult(findings)

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        by_kind: Counter[str] = sum((Counter(f.detail.kinds) for f in unwaived), Counter())
        return {"by_kind": dict(by_kind), "records": {f.record_id: f.detail.kinds for f in unwaived[:limit]}}
