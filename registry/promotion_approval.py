"""The optional approval step: a challenger that passed every check of the promotion gate waits, under the
``awaiting-approval`` alias, until a person approves it (it becomes the champion) or rejects it, or until
``registry.promotion.approval_timeout_hours`` pass, which counts as a rejection.

Who decided and why go into the promotion ledger beside the gate's own entries, and the version's gate tags
(``registry/gate_record.py``) follow, so a later cycle that reuses the version knows its fate is settled.
The callers (``longloop approve`` / ``reject``, the promotion gate) hold the state folder's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mlflow import MlflowClient

from longloop.corpus.records import DataError
from longloop.registry.drift_reference import fetch_drift_reference, install_drift_reference
from longloop.registry.gate_record import AT_TAG, record_gate_decision
from longloop.registry.model_registry import alias_version, set_alias, version_tags
from longloop.registry.promotion_ledger import record_move
from longloop.registry.rollout_state import champion_rollout, end_rollout, start_rollout
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths

AWAITING_ALIAS = "awaiting-approval"


@dataclass(frozen=True)
class PendingApproval:
    version: str
    since: datetime
    expires: datetime

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "since": self.since.isoformat(timespec="seconds"),
            "expires": self.expires.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class ApprovalDecision:
    version: str
    approved: bool
    champion_version: str | None  # the champion after the decision
    entry: dict  # the ledger entry written

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "approved": self.approved,
            "champion_version": self.champion_version,
            "ledger": dict(self.entry),
        }


def make_champion(
    paths: StatePaths, name: str, version: str, run_dir: Path, run_id: str, canary_share: float = 0.0
) -> str | None:
    """Point ``champion`` at ``version`` (the one it replaces becomes ``previous-champion``) and install its
    drift reference; returns the version it replaced. With ``canary_share`` (``registry.canary.share``) the new
    champion starts a canary rollout beside the one it replaced. A champion replaced while still in its canary
    never had all the traffic: the one it was rolled out beside stays the previous champion."""
    fetch_drift_reference(run_dir, run_id)
    previous = alias_version(name, "champion")
    stable = previous
    replaced = champion_rollout(name)
    if previous is not None and previous != version and replaced is not None and replaced.in_canary:
        stable = replaced.stable
        end_rollout(name, previous, "superseded", f"v{version} became the champion during the canary")
    set_alias(name, "champion", version)
    if stable is not None and stable != version:
        set_alias(name, "previous-champion", stable)
        if canary_share > 0:
            start_rollout(name, version, stable, canary_share)
    install_drift_reference(paths, run_dir)
    return previous


def pending_approval(name: str, timeout_hours: float) -> PendingApproval | None:
    """The version waiting for a person, when it started waiting and when the wait times out."""
    version = alias_version(name, AWAITING_ALIAS)
    if version is None:
        return None
    at = version_tags(name, version).get(AT_TAG)
    since = datetime.fromisoformat(at) if at else datetime.now(UTC)
    return PendingApproval(version, since, since + timedelta(hours=timeout_hours))


def request_approval(
    paths: StatePaths, name: str, version: str, reason: str, metrics: dict, infra_ok: bool, timeout_hours: float
) -> dict:
    """The gate passed ``version`` and approval is required: it waits under ``awaiting-approval``. A version
    that was already waiting is rejected as superseded (one alias, one waiting version). Returns the ledger entry."""
    waiting = alias_version(name, AWAITING_ALIAS)
    if waiting is not None and waiting != version:
        _close(paths, name, waiting, False, f"superseded by v{version}, which passed the gate later", None)
    champion = alias_version(name, "champion")
    waits = f"passed every check ({reason}); waits for approval: longloop approve {version} / longloop reject {version}"
    entry = record_move(paths.ledger, name, AWAITING_ALIAS, champion, version, waits, metrics, action="await-approval")
    set_alias(name, AWAITING_ALIAS, version)
    record_gate_decision(name, version, "await-approval", infra_ok, waits, entry["at"])
    return entry


def expire_pending(paths: StatePaths, name: str, timeout_hours: float, now: datetime | None = None) -> dict | None:
    """Reject the waiting version when it has waited longer than ``timeout_hours``; returns that ledger entry."""
    pending = pending_approval(name, timeout_hours)
    if pending is None or (now or datetime.now(UTC)) < pending.expires:
        return None
    reason = f"no decision within {timeout_hours:g} h (registry.promotion.approval_timeout_hours): rejected"
    return _close(paths, name, pending.version, False, reason, "longloop")


def decide_approval(
    paths: StatePaths,
    name: str,
    version: str,
    approve: bool,
    reason: str,
    who: str | None,
    timeout_hours: float,
    canary_share: float = 0.0,
) -> ApprovalDecision:
    """``longloop approve`` / ``reject``: a one-line ``DataError`` when ``version`` is not the one waiting, or has
    waited past the timeout (then it is recorded as rejected)."""
    expired = expire_pending(paths, name, timeout_hours)
    if expired is not None and expired["metrics"]["challenger_version"] == version:
        raise DataError(f"{name} v{version} waited longer than {timeout_hours:g} h for approval and was rejected")
    waiting = alias_version(name, AWAITING_ALIAS)
    if waiting != version:
        now = f"v{waiting} is" if waiting is not None else "no version is"
        raise DataError(f"{name} v{version} is not awaiting approval ({now})")
    entry = _close(paths, name, version, approve, reason, who, canary_share)
    return ApprovalDecision(version, approve, alias_version(name, "champion"), entry)


def approve_or_reject(
    params: LongloopParams, version: str, approve: bool, reason: str, who: str | None = None
) -> ApprovalDecision:
    """What ``longloop approve`` / ``longloop reject`` run (under the state folder's lock, which the caller holds)."""
    configure_tracking_for(params)
    rules = params.registry.promotion
    paths = StatePaths.from_params(params)
    return decide_approval(
        paths,
        params.registry.model_name,
        version,
        approve,
        reason,
        who,
        rules.approval_timeout_hours,
        params.registry.canary.share,
    )


def _close(
    paths: StatePaths, name: str, version: str, approve: bool, reason: str, who: str | None, canary_share: float = 0.0
) -> dict:
    client = MlflowClient()
    champion = alias_version(name, "champion")
    decided = f"{'approved' if approve else 'rejected'}: {reason}"
    if approve:
        run_id = client.get_model_version(name, version).run_id
        assert run_id is not None, f"{name} v{version} has no run"
        champion = make_champion(paths, name, version, paths.runs_dir / run_id, run_id, canary_share)
    entry = record_move(
        paths.ledger,
        name,
        "champion",
        champion,
        version if approve else champion,
        decided,
        {"challenger_version": version},
        action="approve" if approve else "reject",
        who=who,
    )
    client.delete_registered_model_alias(name, AWAITING_ALIAS)
    record_gate_decision(name, version, "promote" if approve else "refuse", True, decided, entry["at"])
    return entry
