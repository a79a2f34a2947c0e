"""Licenses: every record's license judged against the allow and deny lists (once per distinct spelling)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext
from longloop.governance.license_policy import LicenseVerdict, judge_license


@dataclass(frozen=True)
class LicenseSummary:
    breakdown: dict[str, int]  # SPDX expression -> records, most common first


class LicenseCheck(BaseCheck):
    """Denied licenses are violations. Unknown ones follow ``licenses.unknown``: block makes them violations,
    quarantine sets them aside without counting them as violations, allow lets them through (reported only)."""

    name = "license"

    def run(self, context: GateContext) -> CheckResult:
        policy = context.params.licenses
        judged = {raw: judge_license(raw, policy.allow, policy.deny) for raw in {r.license for r in context.records}}
        findings = []
        for r in context.records:
            v = judged[r.license]
            if v.status == "allowed":
                continue
            reason = f"license {v.expression} is {v.status}"
            if v.status == "denied" or policy.unknown == "block":
                findings.append(Finding(self.name, r.id, reason, detail=v))
            else:  # unknown, and the policy decides what happens to it, not the check's action
                findings.append(
                    Finding(
                        self.name,
                        r.id,
                        reason,
                        detail=v,
                        counted=False,
                        action="quarantine" if policy.unknown == "quarantine" else "warn",
                    )
                )
        breakdown = dict(Counter(judged[r.license].expression for r in context.records).most_common())
        return CheckResult(findings, LicenseSummary(breakdown))

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        def ids(status: str) -> list[str]:
            return [
                f.record_id
                for f in unwaived
                if f.record_id is not None and isinstance(f.detail, LicenseVerdict) and f.detail.status == status
            ]

        set_aside = sum(1 for f in unwaived if not f.counted and f.action == "quarantine")
        return {
            "breakdown": result.summary.breakdown,
            "denied": ids("denied")[:limit],
            "unknown": ids("unknown")[:limit],
            "quarantined_unknown": set_aside,
        }
