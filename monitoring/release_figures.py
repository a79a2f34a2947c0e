"""What the shadow and canary logs of the serving app say about one stretch of production time (a drift window):
the release figures the drift dashboard plots beside the verdict.

Shadow: documents the challenger answered in shadow, its agreement with the champion and its model time
against the champion's. Canary: the failed-request rate of the champion in its canary and its model time
against the previous champion's. Each is measured on the rows logged between the window's first and last
request; a window with no such rows has no figure (nothing is plotted rather than a zero).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from longloop.corpus.atomic_files import read_jsonl_complete


def _within(rows: list[dict], start: datetime, end: datetime) -> list[dict]:
    inside = []
    for row in rows:
        at = row.get("at")
        if isinstance(at, str) and start <= datetime.fromisoformat(at) <= end:
            inside.append(row)
    return inside


def _mean_ms(calls: list[dict]) -> float | None:
    answered = [c for c in calls if c.get("ok") and c.get("model_ms_per_document") is not None]
    documents = sum(int(c["documents"]) for c in answered)
    if not documents:
        return None
    return sum(float(c["model_ms_per_document"]) * int(c["documents"]) for c in answered) / documents


def window_span(rows: list[dict]) -> tuple[datetime, datetime] | None:
    """The first and last request time of a window's inference-log rows (None: no row has one)."""
    times = [datetime.fromisoformat(r["at"]) for r in rows if isinstance(r.get("at"), str)]
    return (min(times), max(times)) if times else None


def release_figures(shadow_log: Path, canary_log: Path, start: datetime, end: datetime) -> dict[str, float]:
    """``shadow_documents``, ``shadow_agreement``, ``shadow_latency_ratio``; ``canary_requests``,
    ``canary_error_rate``, ``canary_latency_ratio`` (each only when the window has the rows to measure it)."""
    figures: dict[str, float] = {}
    shadowed = _within(read_jsonl_complete(shadow_log), start, end)
    if shadowed:
        figures["shadow_documents"] = float(len(shadowed))
        figures["shadow_agreement"] = float(np.mean([bool(r["agree"]) for r in shadowed]))
        champion_ms = float(np.median([r["champion_ms_per_document"] for r in shadowed]))
        if champion_ms > 0:
            figures["shadow_latency_ratio"] = float(np.median([r["challenger_ms_per_document"] for r in shadowed])) / (
                champion_ms
            )
    calls = _within(read_jsonl_complete(canary_log), start, end)
    canary = [c for c in calls if c.get("arm") == "canary"]
    if canary:
        figures["canary_requests"] = float(len(canary))
        figures["canary_error_rate"] = sum(not c.get("ok") for c in canary) / len(canary)
        canary_ms, stable_ms = _mean_ms(canary), _mean_ms([c for c in calls if c.get("arm") == "stable"])
        if canary_ms is not None and stable_ms:
            figures["canary_latency_ratio"] = canary_ms / stable_ms
    return figures
