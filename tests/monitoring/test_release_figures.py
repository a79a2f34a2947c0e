"""The release figures of a drift window: shadow agreement and latency, canary failures and latency, measured on
the serving app's logs between the window's first and last request, and absent where there are no rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from longloop.corpus.atomic_files import append_jsonl
from longloop.monitoring.release_figures import release_figures

START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=10)
OUTSIDE, INSIDE = (START - timedelta(minutes=1)).isoformat(), (START + timedelta(minutes=1)).isoformat()


def test_figures_of_the_window_only(tmp_path):
    shadow, canary = tmp_path / "shadow.jsonl", tmp_path / "canary.jsonl"
    for at, agree, ms in [(OUTSIDE, False, 99.0), (INSIDE, True, 20.0), (INSIDE, False, 20.0), (INSIDE, True, 20.0)]:
        row = {"at": at, "agree": agree, "champion_ms_per_document": 10.0, "challenger_ms_per_document": ms}
        append_jsonl(shadow, row)
    for at, arm, ok, docs, ms in [
        (OUTSIDE, "canary", False, 1, None),
        (INSIDE, "canary", True, 2, 30.0),
        (INSIDE, "canary", False, 1, None),
        (INSIDE, "stable", True, 4, 10.0),
    ]:
        append_jsonl(canary, {"at": at, "arm": arm, "ok": ok, "documents": docs, "model_ms_per_document": ms})

    figures = release_figures(shadow, canary, START, END)

    assert figures == {
        "shadow_documents": 3.0,
        "shadow_agreement": pytest.approx(2 / 3),
        "shadow_latency_ratio": 2.0,
        "canary_requests": 2.0,
        "canary_error_rate": 0.5,
        "canary_latency_ratio": 3.0,
    }


def test_a_window_without_shadow_or_canary_rows_has_no_figures(tmp_path):
    assert release_figures(tmp_path / "shadow.jsonl", tmp_path / "canary.jsonl", START, END) == {}
