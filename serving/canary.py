"""Canary routing in the serving app: while the champion is in its canary (``registry/rollout_state.py``), a
sticky share of clients is answered by it and the rest by the previous champion, and every request of the
rollout is written to the canary log (side, version, answered or failed, model time) that the canary watch
(``registry/canary_rollout.py``) judges.

The previous champion is loaded only while a rollout needs it. A client is known by its ``X-Client-Id`` header,
or else by its address. Until the previous champion is loaded (or once the rollout ends) every client is
answered by the champion, outside the rollout's evidence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl
from longloop.registry.rollout_state import in_canary_slice
from longloop.serving.champion_source import ChampionSource, LoadedModel

CHAMPION, CANARY, STABLE = "champion", "canary", "stable"  # who answers: no rollout, or one of its two sides


def canary_log_for(inference_log: Path) -> Path:
    """The canary log lives beside the inference log of the same serving app."""
    return inference_log.with_name("canary.jsonl")


class CanaryRouter:
    def __init__(self, champion: ChampionSource, stable: ChampionSource, canary_log: Path):
        """``stable``: a source for the ``previous-champion`` alias; the router makes it load only during a canary."""
        self.champion, self.stable, self.canary_log = champion, stable, canary_log
        stable.wanted = self._in_canary

    def _in_canary(self) -> bool:
        rollout = self.champion.rollout
        return rollout is not None and rollout.in_canary

    def side_for(self, client: str) -> str:
        rollout, canary, stable = self.champion.rollout, self.champion.current, self.stable.current
        if (
            rollout is None
            or not rollout.in_canary
            or canary is None
            or canary.version != rollout.version
            or stable is None
            or stable.version != rollout.stable
        ):
            return CHAMPION
        return CANARY if in_canary_slice(client, rollout.version, rollout.share) else STABLE

    def model_for(self, side: str) -> LoadedModel | None:
        """The model answering ``side``; the champion's when the previous champion was let go meanwhile."""
        if side == STABLE and (stable := self.stable.current) is not None:
            return stable
        return self.champion.current

    def record(
        self, request_id: str, side: str, version: str, documents: int, ms_per_document: float | None, error: str | None
    ) -> None:
        append_jsonl(
            self.canary_log,
            {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "request_id": request_id,
                "arm": side,
                "version": version,
                "documents": documents,
                "ok": error is None,
                "error": error,
                "model_ms_per_document": None if ms_per_document is None else round(ms_per_document, 3),
            },
        )

    def to_dict(self) -> dict | None:
        rollout = self.champion.rollout
        if rollout is None or not rollout.in_canary:
            return None
        stable = self.stable.current
        return {**rollout.to_dict(), "stable_loaded": stable is not None and stable.version == rollout.stable}

    def start(self) -> None:
        self.stable.start()

    def stop(self) -> None:
        self.stable.stop()
