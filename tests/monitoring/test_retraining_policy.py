from datetime import UTC, datetime, timedelta

import pytest

from longloop.monitoring.retraining_policy import retraining_decision

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "verdicts, confirm, go, reason",
    [
        ([], 1, False, "no drift in the latest window"),
        ([True, False], 1, False, "no drift in the latest window"),
        ([False, True], 1, True, "drift confirmed in 1 of the last 1 window(s)"),
        ([False, False, True], 2, False, "drift in 1 of the last 3 windows; 2 needed"),
        ([True, False, True], 2, True, "drift confirmed in 2 of the last 3 window(s)"),
        ([True, True, False, False, True], 2, False, "drift in 1 of the last 3 windows; 2 needed"),
    ],
)
def test_confirmation_over_recent_windows(verdicts, confirm, go, reason):
    assert retraining_decision(verdicts, None, NOW, confirm, 0) == (go, reason)


def test_cooldown_holds_a_confirmed_drift_back_until_it_has_passed():
    went, reason = retraining_decision([True], NOW - timedelta(minutes=30), NOW, 1, 60)
    assert not went and reason.startswith("cooldown: last retraining at")
    assert retraining_decision([True], NOW - timedelta(minutes=61), NOW, 1, 60)[0]


def test_disabled_never_retrains():
    assert retraining_decision([True, True], None, NOW, 1, 0, enabled=False) == (
        False,
        "retraining is disabled in params.yaml",
    )
