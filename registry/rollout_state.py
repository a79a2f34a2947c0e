"""A champion's rollout, kept as tags on its registered version: while ``canary``, it answers a sticky share of
clients and the previous champion (``stable``) the rest; the canary watch (``registry/canary_rollout.py``)
ends it as ``complete`` or ``rolled-back``; a champion replaced during its canary is ``superseded``.

The tags live with the version, so the serving app (which polls its champion's version anyway) and every
machine that reaches the registry see the same rollout without another store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from longloop.registry.model_registry import alias_version, set_version_tags, version_tags

STATE_TAG, STABLE_TAG, SHARE_TAG, SINCE_TAG, REASON_TAG = (
    "longloop.rollout",
    "longloop.rollout.stable",
    "longloop.rollout.share",
    "longloop.rollout.since",
    "longloop.rollout.reason",
)
ROLLOUT_STATES = ("canary", "complete", "rolled-back", "superseded")


@dataclass(frozen=True)
class Rollout:
    version: str  # the new champion
    stable: str  # the previous champion, answering the clients outside the canary's share
    share: float
    since: datetime
    state: str  # one of ROLLOUT_STATES
    reason: str = ""

    @property
    def in_canary(self) -> bool:
        return self.state == "canary"

    @classmethod
    def from_tags(cls, version: str, tags: dict[str, str]) -> Rollout | None:
        if tags.get(STATE_TAG) not in ROLLOUT_STATES or not tags.get(STABLE_TAG):
            return None
        return cls(
            version=version,
            stable=tags[STABLE_TAG],
            share=float(tags.get(SHARE_TAG, "0")),
            since=datetime.fromisoformat(tags[SINCE_TAG]),
            state=tags[STATE_TAG],
            reason=tags.get(REASON_TAG, ""),
        )

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "stable": self.stable,
            "share": self.share,
            "since": self.since.isoformat(timespec="seconds"),
            "state": self.state,
            "reason": self.reason,
        }


def in_canary_slice(client: str, version: str, share: float) -> bool:
    """Whether ``client`` is among the ``share`` of clients the canary ``version`` answers: a hash, so a client
    stays on one side for the whole rollout, and each rollout takes another slice of the clients."""
    digest = hashlib.sha256(f"{version}\x00{client}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def version_rollout(name: str, version: str) -> Rollout | None:
    return Rollout.from_tags(version, version_tags(name, version))


def champion_rollout(name: str) -> Rollout | None:
    """The rollout of the version ``champion`` points at (None: no champion, or it was promoted to all traffic)."""
    version = alias_version(name, "champion")
    return version_rollout(name, version) if version is not None else None


def start_rollout(name: str, version: str, stable: str, share: float) -> Rollout:
    since = datetime.now(UTC).replace(microsecond=0)
    set_version_tags(
        name,
        version,
        {
            STATE_TAG: "canary",
            STABLE_TAG: stable,
            SHARE_TAG: repr(share),
            SINCE_TAG: since.isoformat(),
            REASON_TAG: f"answers {share:.0%} of clients beside v{stable}",
        },
    )
    return Rollout(version, stable, share, since, "canary", f"answers {share:.0%} of clients beside v{stable}")


def end_rollout(name: str, version: str, state: str, reason: str) -> None:
    """Mark the rollout of ``version`` ended (``complete``, ``rolled-back`` or ``superseded``)."""
    if state not in ROLLOUT_STATES[1:]:
        raise ValueError(f"a rollout ends as one of {', '.join(ROLLOUT_STATES[1:])}, got {state!r}")
    set_version_tags(name, version, {STATE_TAG: state, REASON_TAG: reason[:4000]})
