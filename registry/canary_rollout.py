"""Acting on the canary watch's verdict (``monitoring/canary_watch.py``): roll the champion back through the
ledger (what ``longloop rollback`` runs) or complete its rollout. The caller holds the state folder's lock."""

from __future__ import annotations

from longloop.registry.champion_rollback import rollback_and_record
from longloop.registry.promotion_ledger import record_move
from longloop.registry.rollout_state import Rollout, end_rollout
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths

CANARY_ACTIONS = ("continue", "complete", "rollback")


def settle_canary(params: LongloopParams, rollout: Rollout, action: str, reason: str, evidence: dict) -> dict | None:
    """``action`` from the verdict; returns the ledger entry of a rollback or a completion (None: it goes on)."""
    if action not in CANARY_ACTIONS:
        raise ValueError(f"a canary verdict is one of {', '.join(CANARY_ACTIONS)}, got {action!r}")
    if action == "rollback":
        return rollback_and_record(params, reason, {"canary": evidence}).entry
    if action == "complete":
        name = params.registry.model_name
        end_rollout(name, rollout.version, "complete", reason)
        return record_move(
            StatePaths.from_params(params).ledger,
            name,
            "champion",
            rollout.stable,
            rollout.version,
            reason,
            {"canary": evidence},
            action="rollout-complete",
        )
    return None
