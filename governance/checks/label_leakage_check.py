"""Label leakage: a token that gives the label away, decided on the training split (where a model would learn
the shortcut). A property of the dataset, not of a record: it blocks or warns, it cannot be quarantined."""

from __future__ import annotations

from dataclasses import asdict

from longloop.governance.checks.base import BaseCheck, CheckResult, Finding, GateContext
from longloop.governance.label_leakage import leaky_tokens


class LabelLeakageCheck(BaseCheck):
    name = "label_leakage"

    def default_action(self, params) -> str:
        return "block"  # whatever on_violation says: no record to set aside would remove the shortcut

    def run(self, context: GateContext) -> CheckResult:
        return CheckResult(
            [
                Finding(
                    self.name,
                    None,
                    f"token {t.token!r} gives away label {t.label!r} ({t.kind}: "
                    f"in {t.coverage:.0%} of its documents, purity {t.purity:.0%})",
                    token=t.token,
                    detail=t,
                )
                for t in leaky_tokens(context.splits["train"], words=context.train_words)
            ]
        )

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        return {"tokens": [asdict(f.detail) for f in unwaived[:limit]]}
