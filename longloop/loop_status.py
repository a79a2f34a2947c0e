"""Where the loop stands: the registry's aliases and the latest promotions, drift checks and retraining
decisions, read from the registry and the state folder (what ``longloop status`` shows)."""

from __future__ import annotations

from dataclasses import dataclass

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.registry.model_registry import alias_version
from longloop.registry.promotion_approval import AWAITING_ALIAS, PendingApproval, pending_approval
from longloop.registry.promotion_ledger import read_ledger
from longloop.registry.rollout_state import Rollout, champion_rollout
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths

ALIASES = ("champion", "challenger", "previous-champion", AWAITING_ALIAS)
DRIFT_FIELDS = ("at", "drift_detected", "score", "quality")  # quality: None while too few labels came


@dataclass(frozen=True)
class LoopStatus:
    model: str
    aliases: dict[str, str | None]  # alias -> version (None: not set)
    promotions: list[dict]  # the latest ledger entries, oldest first
    drift: list[dict]  # the latest drift checks: at, drift_detected, score, quality
    retraining: list[dict]  # the latest retraining decisions
    tracking_uri: str
    approval: PendingApproval | None = None  # the version waiting for a person, if any
    rollout: Rollout | None = None  # the champion's rollout: its canary, or how the canary ended

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "aliases": dict(self.aliases),
            "promotions": list(self.promotions),
            "drift": list(self.drift),
            "retraining": list(self.retraining),
            "tracking_uri": self.tracking_uri,
            "approval": self.approval.to_dict() if self.approval is not None else None,
            "rollout": self.rollout.to_dict() if self.rollout is not None else None,
        }


def loop_status(params: LongloopParams, last: int) -> LoopStatus:
    """The aliases now, and the ``last`` latest entries of each history."""
    paths = StatePaths.from_params(params)
    configure_tracking_for(params)
    name = params.registry.model_name
    drift = read_jsonl_complete(paths.drift_history)[-last:]
    return LoopStatus(
        model=name,
        aliases={a: alias_version(name, a) for a in ALIASES},
        promotions=read_ledger(paths.ledger)[-last:],
        drift=[{k: d.get(k) for k in DRIFT_FIELDS} for d in drift],
        retraining=read_jsonl_complete(paths.retraining_log)[-last:],
        tracking_uri=paths.tracking_uri(params),
        approval=pending_approval(name, params.registry.promotion.approval_timeout_hours),
        rollout=champion_rollout(name),
    )
