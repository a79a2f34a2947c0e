"""What the shadow and canary logs of the serving app say about the requests of one drift window: the release
figures the drift dashboard plots beside the verdict.

Shadow: documents the challenger answered in shadow, its agreement with the champion and its model time
against the champion's. Canary: the failed-request rate of the champion in its canary and its model time
against the previous champion's. Each is measured on the rows of the window's own requests (by request id, as
far as the shadow had answered them when the window was checked); a window with no such rows has no figure
(nothing is plotted rather than a zero).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.monitoring.canary_watch import answered_documents


def _of_requests(rows: list[dict], request_ids: set[str]) -> list[dict]:
    return [row for row in rows if row.get("request_id") in request_ids]


def release_figures(shadow_log: Path, canary_log: Path, request_ids: set[str]) -> dict[str, float]:
    """``shadow_documents``, ``shadow_agreement``, ``shadow_latency_ratio``; ``canary_requests``,
    ``canary_error_rate``, ``canary_latency_ratio`` (each only when the window has the rows to measure it)."""
    figures: dict[str, float] = {}
    shadowed = _of_requests(read_jsonl_complete(shadow_log), request_ids)
    if shadowed:
        figures["shadow_documents"] = float(len(shadowed))
        figures["shadow_agreement"] = float(np.mean([bool(r["agree"]) for r in shadowed]))
        champion_ms = float(np.median([r["champion_ms_per_document"] for r in shadowed]))
        if champion_ms > 0:
            figures["shadow_latency_ratio"] = float(np.median([r["challenger_ms_per_document"] for r in shadowed])) / (
                champion_ms
            )
    calls = _of_requests(read_jsonl_complete(canary_log), request_ids)
    canary = [c for c in calls if c.get("arm") == "canary"]
    if canary:
        figures["canary_requests"] = float(len(canary))
        figures["canary_error_rate"] = sum(not c.get("ok") for c in canary) / len(canary)
        canary_ms = answered_documents(canary)[1]
        stable_ms = answered_documents([c for c in calls if c.get("arm") == "stable"])[1]
        if canary_ms is not None and stable_ms:
            figures["canary_latency_ratio"] = canary_ms / stable_ms
    return figures
