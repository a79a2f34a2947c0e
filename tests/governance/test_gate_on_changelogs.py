"""The whole gate on this machine's Debian changelogs: every entry's trailer carries a maintainer's e-mail, so
quarantining personal data would empty the dataset, and the cap says so instead of training on what is left."""

import json

import pytest

from longloop.governance.gate import run_gate
from longloop.settings.params import GovernanceParams
from tests.governance.changelog_corpus import changelog_records


def test_too_few_changelogs_is_a_failure_not_a_skip():
    with pytest.raises(pytest.fail.Exception, match="needed"):
        changelog_records(10**6)


@pytest.mark.slow  # the PII scan of about 2 million words of real text: 15-30 s on 2 cores
def test_the_quarantine_cap_stops_a_gate_that_would_drop_most_real_changelogs():
    records = changelog_records(400)
    params = GovernanceParams.model_validate({"on_violation": "quarantine"})
    report, kept = run_gate(records, params)
    assert report.checks["pii"].violations >= 0.9 * len(records)  # the trailers' e-mail addresses
    assert report.verdict == "fail" and report.quarantine.exceeded
    assert any(r.startswith("quarantine would set aside") and "pii" in r for r in report.reasons)
    rows = list(report.finding_rows())
    assert sum(r["check"] == "pii" for r in rows) == report.checks["pii"].violations
    json.dumps(rows)

    # With personal data only reported, what is set aside is the few real overlaps across splits; the binary
    # packages' near-identical changelogs inside train are dropped as copies, outside the cap.
    warned = params.model_copy(update={"actions": params.actions.model_copy(update={"pii": "warn"})})
    report, kept = run_gate(records, warned)
    assert not report.quarantine.exceeded and report.quarantine.share <= 0.05, report.reasons
    assert report.quarantine.deduplicated >= 50
    assert report.checks["contamination"].violations <= 0.05 * sum(r.split == "train" for r in records)
