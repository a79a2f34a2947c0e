"""The promotion gate's decision on a version, kept as tags on the version itself.

A cycle that reuses a registered version (same training fingerprint) reads it there, on any machine that
reaches the registry, to know whether the version's fate is already settled. The promotion ledger stays the
audit log of alias moves; these tags are the mark that the gate ran.
"""

from __future__ import annotations

from longloop.registry.model_registry import alias_version, set_version_tags, version_tags

DECISION_TAG, INFRA_OK_TAG, REASON_TAG, AT_TAG = (
    "longloop.gate.decision",
    "longloop.gate.infra_ok",
    "longloop.gate.reason",
    "longloop.gate.at",
)
MAX_TAG_CHARS = 4000  # MLflow stores tag values up to a few thousand characters


GATE_DECISIONS = ("promote", "refuse", "await-approval", "await-shadow")


def record_gate_decision(name: str, version: str, decision: str, infra_ok: bool, reason: str, at: str) -> None:
    """``decision``: one of ``GATE_DECISIONS`` (``await-approval`` until a person decides, then one of the others;
    ``await-shadow`` until enough live documents were answered in shadow, when the gate runs again)."""
    if decision not in GATE_DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(GATE_DECISIONS)}, got {decision!r}")
    set_version_tags(
        name,
        version,
        {
            DECISION_TAG: decision,
            INFRA_OK_TAG: str(infra_ok).lower(),
            REASON_TAG: reason[:MAX_TAG_CHARS],
            AT_TAG: at,
        },
    )


def settled_decision(name: str, version: str) -> str | None:
    """Why nothing is to be decided about ``version`` again, or None when the gate has to run: it never ran
    on it (the cycle that registered it stopped before), its infra check failed, which says something about
    the machine at the time, not about the model, or it waits for its shadow sample."""
    if alias_version(name, "champion") == version:
        return f"reused v{version}, already the champion; nothing moved"
    tags = version_tags(name, version)
    if not tags.get(DECISION_TAG) or tags.get(INFRA_OK_TAG) == "false" or tags[DECISION_TAG] == "await-shadow":
        return None
    if tags[DECISION_TAG] == "await-approval":
        return (
            f"reused v{version}, which waits for approval since {tags.get(AT_TAG)} "
            f"(longloop approve {version} / longloop reject {version}); nothing moved"
        )
    return (
        f"reused v{version}; the gate's decision of {tags.get(AT_TAG)} stands ({tags[DECISION_TAG]}: "
        f"{tags.get(REASON_TAG, '')}); nothing moved"
    )
