"""The append-only record of every alias move: who, when, from which version to which, metrics and reason."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl, read_jsonl_complete


def record_move(
    ledger: Path,
    model: str,
    alias: str,
    from_version: str | None,
    to_version: str | None,
    reason: str,
    metrics: dict | None = None,
    action: str = "promote",
    who: str | None = None,
) -> dict:
    """``who``: the person deciding (an approval); None records the account the process runs as."""
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "who": who or getpass.getuser(),
        "model": model,
        "alias": alias,
        "action": action,
        "from_version": from_version,
        "to_version": to_version,
        "reason": reason,
        "metrics": metrics or {},
    }
    append_jsonl(ledger, entry)
    return entry


def read_ledger(ledger: Path) -> list[dict]:
    return read_jsonl_complete(ledger)
