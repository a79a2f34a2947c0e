"""Point ``champion`` back at ``previous-champion`` and record the move in the promotion ledger: what
``longloop rollback`` runs (under the state folder's lock, which the caller holds)."""

from __future__ import annotations

from dataclasses import dataclass

from longloop.corpus.records import DataError
from longloop.registry.model_registry import rollback_champion
from longloop.registry.promotion_ledger import record_move
from longloop.registry.rollout_state import champion_rollout, end_rollout
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths


@dataclass(frozen=True)
class ChampionRollback:
    from_version: str
    to_version: str
    entry: dict  # the ledger entry written

    def to_dict(self) -> dict:
        return dict(self.entry)


def rollback_and_record(params: LongloopParams, reason: str, metrics: dict | None = None) -> ChampionRollback:
    """Swap ``champion`` and ``previous-champion`` of ``registry.model_name`` and append the move, with ``reason``
    (and ``metrics``, the evidence behind an automatic rollback), to the ledger; a champion still in its canary
    ends it as rolled back. Nothing to roll back to is a one-line ``DataError``."""
    configure_tracking_for(params)
    name = params.registry.model_name
    rollout = champion_rollout(name)
    try:
        old, new = rollback_champion(name)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    if rollout is not None and rollout.in_canary and rollout.version == old:
        end_rollout(name, old, "rolled-back", reason)
    entry = record_move(
        StatePaths.from_params(params).ledger, name, "champion", old, new, reason, metrics, action="rollback"
    )
    return ChampionRollback(old, new, entry)
