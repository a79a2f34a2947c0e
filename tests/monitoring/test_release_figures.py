"""The release figures of a drift window: shadow agreement and latency, canary failures and latency, measured on
the serving app's logs for the window's own requests, and absent where there are no rows."""

from __future__ import annotations

import pytest

from longloop.corpus.atomic_files import append_jsonl
from longloop.monitoring.release_figures import release_figures

OUTSIDE, INSIDE = "an earlier window's request", "this window's request"


def test_figures_of_the_window_only(tmp_path):
    shadow, canary = tmp_path / "shadow.jsonl", tmp_path / "canary.jsonl"
    for request, agree, ms in [
        (OUTSIDE, False, 99.0),
        (INSIDE, True, 20.0),
        (INSIDE, False, 20.0),
        (INSIDE, True, 20.0),
    ]:
        row = {
            "request_id": request,
            "agree": agree,
            "champion_ms_per_document": 10.0,
            "challenger_ms_per_document": ms,
        }
        append_jsonl(shadow, row)
    for request, arm, ok, docs, ms in [
        (OUTSIDE, "canary", False, 1, None),
        (INSIDE, "canary", True, 2, 30.0),
        (INSIDE, "canary", False, 1, None),
        (INSIDE, "stable", True, 4, 10.0),
    ]:
        append_jsonl(
            canary, {"request_id": request, "arm": arm, "ok": ok, "documents": docs, "model_ms_per_document": ms}
        )

    figures = release_figures(shadow, canary, {INSIDE})

    assert figures == {
        "shadow_documents": 3.0,
        "shadow_agreement": pytest.approx(2 / 3),
        "shadow_latency_ratio": 2.0,
        "canary_requests": 2.0,
        "canary_error_rate": 0.5,
        "canary_latency_ratio": 3.0,
    }


def test_a_window_without_shadow_or_canary_rows_has_no_figures(tmp_path):
    assert release_figures(tmp_path / "shadow.jsonl", tmp_path / "canary.jsonl", {INSIDE}) == {}
