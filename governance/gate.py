"""The governance gate: every check (``checks.DEFAULT_CHECKS``, or the list a caller passes) run once, then one
verdict.

Checks only find (``governance/checks``); the gate decides, the same way for all of them:

1. waivers: a finding a waiver accepts no longer counts nor acts (it stays in the findings, marked);
2. actions: each check's ``governance.actions.<name>`` (or its default): block fails the gate, quarantine sets
   the offending records aside, warn only reports. A finding about the whole dataset cannot be set aside: under
   quarantine it blocks;
3. the quarantine cap: setting aside more than ``max_quarantine_share`` of the records fails the gate, and so
   does a gate that keeps nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from typing import Any

from longloop.corpus.records import Record
from longloop.governance.checks import DEFAULT_CHECKS, Check, CheckResult, Finding, GateContext
from longloop.governance.text_normalization import normalized_words
from longloop.governance.waivers import Waiver, WaiverSet
from longloop.settings.params import GovernanceParams

MAX_LISTED = 50  # pairs/ids listed per check in the report; counts are always complete (findings: all)


@dataclass
class CheckOutcome:
    name: str
    action: str  # block | quarantine | warn
    passed: bool  # False only when the check blocks the gate
    violations: int  # after waivers
    violations_before_waivers: int
    quarantined: int  # records this check set aside (first reason wins: another check may have named them too)
    findings: list[Finding]  # every finding, waived ones included
    summary: Any  # the check's own figures (a dataclass), None when it has none
    listing: dict  # the check's own report keys: counts and a sample of what still counts

    @property
    def waived(self) -> int:
        return self.violations_before_waivers - self.violations

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "violations": self.violations,
            "action": self.action,
            "violations_before_waivers": self.violations_before_waivers,
            "waived": self.waived,
            "quarantined": self.quarantined,
            **self.listing,
        }


@dataclass(frozen=True)
class WaiverUse:
    waiver: Waiver
    matched: int  # findings (record and token waivers) or shared n-grams (n-gram waivers) it accepted

    def to_dict(self) -> dict:
        return {**asdict(self.waiver), "matched": self.matched}


@dataclass
class QuarantineSummary:
    records: int  # set aside for a problem (or would be, when the cap failed the gate): what the cap counts
    share: float  # of all records
    max_share: float | None
    exceeded: bool
    deduplicated: int = 0  # redundant copies dropped besides (the first copy stays): not counted by the cap


@dataclass
class GateReport:
    verdict: str  # "pass" | "fail"
    checks: dict[str, CheckOutcome]
    removed: dict[str, str] = field(default_factory=dict)  # id -> reason (quarantined or deduplicated)
    reasons: list[str] = field(default_factory=list)  # why the gate failed
    warnings: list[str] = field(default_factory=list)  # what the warn actions let through
    quarantine: QuarantineSummary | None = None
    waivers: list[WaiverUse] = field(default_factory=list)
    waiver_source: str | None = None

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "checks": {n: c.to_dict() for n, c in self.checks.items()},
            "removed": dict(self.removed),
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "quarantine": asdict(self.quarantine) if self.quarantine else None,
            "waivers": {
                "source": self.waiver_source,
                "entries": [w.to_dict() for w in self.waivers],
                "unused": sum(w.matched == 0 for w in self.waivers),
            },
        }

    def finding_rows(self) -> Iterator[dict]:
        """Every finding of every check, one JSON-ready row each (the report itself lists a sample)."""
        for name, c in self.checks.items():
            for f in c.findings:
                action = _effective_action(f, c.action)
                outcome = (
                    "waived"
                    if f.waived
                    else {"block": "blocked", "quarantine": "quarantined", "warn": "warned"}[action]
                )
                yield {
                    "check": name,
                    "record_id": f.record_id,
                    "reason": f.reason,
                    "action": action,
                    "outcome": outcome,
                    "counted": f.counted,
                    "related": list(f.related),
                    "token": f.token,
                    "detail": _plain(f.detail),
                    "waived_by": [
                        {"reason": w.reason, "accepted_by": w.accepted_by, "waiver": w.describe()} for w in f.waived_by
                    ],
                }


def _plain(detail: object) -> object:
    return asdict(detail) if is_dataclass(detail) and not isinstance(detail, type) else detail


def _effective_action(finding: Finding, check_action: str) -> str:
    action = finding.action or check_action
    return "block" if action == "quarantine" and finding.record_id is None else action


def _apply_waivers(findings: list[Finding], check: str, waivers: WaiverSet, used: Counter) -> list[Finding]:
    records = [(i, w) for i, w in enumerate(waivers.waivers) if w.kind == "record" and w.applies_to_check(check)]
    tokens = [
        (i, w, " ".join(normalized_words(w.value)))
        for i, w in enumerate(waivers.waivers)
        if w.kind == "token" and w.applies_to_check(check)
    ]
    if not records and not tokens:
        return findings
    by_record: dict[str, list[tuple[int, Waiver]]] = {}
    for i, w in records:
        by_record.setdefault(w.value, []).append((i, w))
    out = []
    for f in findings:
        hits = [iw for rid in (f.record_id, *f.related) if rid is not None for iw in by_record.get(rid, [])]
        if f.token is not None:
            hits += [(i, w) for i, w, norm in tokens if norm == f.token]
        if hits:
            for i, _ in dict.fromkeys(hits):
                used[i] += 1
            f = replace(f, waived_by=f.waived_by + tuple(w for _, w in dict.fromkeys(hits)))
        out.append(f)
    return out


def _judge(
    check: Check,
    result: CheckResult,
    action: str,
    waivers: WaiverSet,
    used: Counter,
    removed: dict[str, str],
    capped: set[str],
) -> CheckOutcome:
    """Waivers, then the action, for one check's findings; quarantined records go into ``removed`` (the first
    reason wins) and, unless the check drops mere copies, into ``capped``."""
    findings = _apply_waivers(result.findings, check.name, waivers, used)
    unwaived = [f for f in findings if not f.waived]
    blocking, before = False, len(removed)
    for f in unwaived:
        act = _effective_action(f, action)
        if act == "block" and f.counted:
            blocking = True
        elif act == "quarantine" and f.record_id is not None:
            if f.record_id not in removed and getattr(check, "counts_toward_quarantine_cap", True):
                capped.add(f.record_id)
            removed.setdefault(f.record_id, f.reason)
    return CheckOutcome(
        check.name,
        action,
        passed=not blocking,
        violations=check.violations(unwaived),
        violations_before_waivers=check.violations(findings),
        quarantined=len(removed) - before,
        findings=findings,
        summary=result.summary,
        listing=check.report_fields(result, unwaived, MAX_LISTED),
    )


def run_gate(
    records: list[Record],
    params: GovernanceParams,
    benchmarks: list[Record] | None = None,
    waivers: WaiverSet | None = None,
    checks: tuple[Check, ...] = DEFAULT_CHECKS,
) -> tuple[GateReport, list[Record]]:
    """Judge a split dataset; returns the report and the records that may be used for training."""
    waivers = waivers or WaiverSet()
    context = GateContext(records, params, benchmarks, waivers)
    used: Counter = Counter()  # waiver index -> findings it accepted
    outcomes: dict[str, CheckOutcome] = {}
    removed: dict[str, str] = {}
    capped: set[str] = set()  # the removed records the quarantine cap counts
    ngram_ids = [i for i, w in enumerate(waivers.waivers) if w.kind == "ngram"]
    for check in checks:
        if not check.enabled(context):
            continue
        result = check.run(context)
        action = getattr(params.actions, check.name, None) or check.default_action(params)
        outcomes[check.name] = _judge(check, result, action, waivers, used, removed, capped)
        for k, n in (getattr(result.summary, "waiver_matches", None) or {}).items():  # n-gram waivers' use
            used[ngram_ids[k]] += n

    reasons = [f"{name}: {c.violations} violation(s)" for name, c in outcomes.items() if not c.passed]
    warnings = [
        f"{name}: {c.violations} violation(s) let through (warn)"
        for name, c in outcomes.items()
        if c.action == "warn" and c.violations
    ]
    warnings += [
        f"{name}: {c.quarantined} record(s) set aside (quarantine)" for name, c in outcomes.items() if c.quarantined
    ]
    cap = params.max_quarantine_share
    share = len(capped) / len(records) if records else 0.0
    exceeded = cap is not None and share > cap
    if exceeded:
        by_check = ", ".join(
            f"{c.name} {sum(f.record_id in capped for f in c.findings if not f.waived)}"
            for c in outcomes.values()
            if c.quarantined
        )
        reasons.append(
            f"quarantine would set aside {len(capped)} of {len(records)} records ({share:.1%}; "
            f"flagged by {by_check}), over governance.max_quarantine_share ({cap:.0%})"
        )
    kept = [r for r in records if r.id not in removed]
    if not kept:  # a dataset the gate emptied (every license unknown and quarantined, say) does not pass
        reasons.append("no records left after the gate")
    quarantine = QuarantineSummary(len(capped), round(share, 4), cap, exceeded, len(removed) - len(capped))
    report = GateReport(
        verdict="fail" if reasons else "pass",
        checks=outcomes,
        removed=removed,
        reasons=reasons,
        warnings=warnings,
        quarantine=quarantine,
        waivers=[WaiverUse(w, used[i]) for i, w in enumerate(waivers.waivers)],
        waiver_source=waivers.source,
    )
    return report, kept
