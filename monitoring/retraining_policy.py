"""When a drift verdict may start retraining: confirmation over recent windows, and a cooldown."""

from __future__ import annotations

from datetime import datetime, timedelta


def retraining_decision(
    recent_verdicts: list[bool],
    last_retraining_at: datetime | None,
    now: datetime,
    confirm_windows: int,
    cooldown_minutes: float,
    enabled: bool = True,
) -> tuple[bool, str]:
    """``recent_verdicts`` is newest last. Needs ``confirm_windows`` drifting windows among the last
    ``confirm_windows + 1`` (e.g. 2 of 3) and no retraining within the cooldown."""
    if not enabled:
        return False, "retraining is disabled in params.yaml"
    if not recent_verdicts or not recent_verdicts[-1]:
        return False, "no drift in the latest window"
    window = recent_verdicts[-(confirm_windows + 1) :] if confirm_windows > 1 else recent_verdicts[-1:]
    if sum(window) < confirm_windows:
        return False, f"drift in {sum(window)} of the last {len(window)} windows; {confirm_windows} needed"
    if last_retraining_at is not None and now - last_retraining_at < timedelta(minutes=cooldown_minutes):
        return False, f"cooldown: last retraining at {last_retraining_at.isoformat()}"
    return True, f"drift confirmed in {sum(window)} of the last {len(window)} window(s)"
