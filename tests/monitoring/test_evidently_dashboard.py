"""Drift windows recorded in a real Evidently workspace: Evidently's own report and longloop's verdict as
snapshots, a dashboard that plots the verdict, p-values, alerts and quality, and an old project brought up to
the current panels."""

import json

import numpy as np
import pandas as pd
import pytest
from evidently.sdk.panels import text_panel
from evidently.ui.workspace import Workspace

from longloop.monitoring.drift_detector import detect_drift
from longloop.monitoring.drift_features import document_features
from longloop.monitoring.evidently_dashboard import (
    PROJECT,
    RELEASE_PANEL,
    VERDICT_PANEL,
    record_drift_report,
    verdict_frame,
)

QUALITY = {
    "n_labelled": 40,
    "accuracy": 0.61,
    "accuracy_low": 0.46,
    "accuracy_high": 0.74,
    "ece": 0.12,
    "reference_accuracy": 0.8,
    "margin": 0.05,
    "degraded": True,
    "reason": "accuracy 0.61 below 0.80 - 0.05",
}


def _frames():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {
            "log_tokens": rng.normal(5, 1, 200),
            "oov_rate": rng.uniform(0, 0.1, 200),
            "non_ascii_rate": np.zeros(200),
            "confidence": rng.uniform(0.5, 1, 200),
            "prediction": rng.choice(["a", "b"], 200),
        }
    )
    return ref, ref.assign(log_tokens=ref["log_tokens"] + 2)


RELEASE = {"shadow_documents": 40.0, "shadow_agreement": 0.85, "canary_requests": 12.0, "canary_error_rate": 0.25}


def _verdict(drift: bool, quality: dict | None = None, release: dict | None = None) -> dict:
    checks = {
        "length": {"statistic": 0.4, "p_value": 0.001 if drift else 0.4, "threshold": 0.00125, "drift": drift},
        "oov_rate": {"statistic": 0.1, "p_value": 0.5, "threshold": 0.00125, "drift": False},
    }
    return {
        "drift_detected": drift,
        "score": 0.99 if drift else 0.1,
        "checks": checks,
        "quality": quality,
        "release": release,
    }


def _values(snapshot_file) -> dict:
    results = json.loads(snapshot_file.read_text())["metric_results"].values()
    return {r["metric_value_location"]["metric"]["params"]["column"]: r["value"] for r in results}


def test_each_window_stores_evidentlys_report_and_longloops_verdict(tmp_path):
    ref, cur = _frames()
    out = record_drift_report(tmp_path / "ws", ref, cur, _verdict(True, QUALITY, RELEASE), tmp_path / "report.html")
    second = record_drift_report(tmp_path / "ws", ref, ref, _verdict(False), None)
    assert (tmp_path / "report.html").stat().st_size > 1000
    ws = Workspace(str(tmp_path / "ws"))
    project = ws.search_project(PROJECT)[0]
    folder = tmp_path / "ws" / str(project.id) / "snapshots"
    snaps = list(folder.glob("*.json"))
    assert len(snaps) == 4 and all(json.loads(s.read_text()) for s in snaps)
    assert not list((tmp_path / "ws").rglob("*.tmp"))
    assert out["project_id"] == str(project.id) and out["drifted_share"] > 0 and second["drifted_share"] == 0

    first = _values(folder / f"{out['verdict_snapshot_id']}.json")
    assert first["drift_detected"] == 1.0 and first["alerts"] == 1.0 and first["length_p_value"] == 0.001
    assert first["quality_accuracy"] == 0.61 and first["quality_degraded"] == 1.0
    assert first["shadow_agreement"] == 0.85 and first["canary_error_rate"] == 0.25
    assert first["length_evidence"] == pytest.approx(3.0) and first["threshold_evidence"] == pytest.approx(
        2.903, abs=1e-3
    )
    calm = _values(folder / f"{second['verdict_snapshot_id']}.json")
    assert calm["drift_detected"] == 0.0 and calm["alerts"] == 0.0 and "quality_accuracy" not in calm
    assert "shadow_agreement" not in calm  # nothing shadowed in that window: no figure, not a zero

    titles = [p.title for p in project.dashboard.model().panels]
    assert titles[1] == VERDICT_PANEL and any("-log10 p-value" in t for t in titles)
    assert any("delayed labels" in t for t in titles) and RELEASE_PANEL in titles


def test_the_verdict_row_holds_every_signal_of_a_real_drift_result(demo_records):
    rows = [
        {"text": r.text, "n_tokens": len(r.text.split()), "prediction": r.label, "confidence": 0.9}
        for r in demo_records
    ]
    ref, cur = rows[:80], [{**r, "text": r["text"] * 3, "n_tokens": r["n_tokens"] * 3} for r in rows[80:]]
    vocab = {w for r in ref for w in r["text"].split()}
    result = detect_drift(
        document_features(ref, vocab, 256, 64), document_features(cur, vocab, 256, 64), ref, cur, 0.01, 200
    ).to_dict()
    row = verdict_frame(result).iloc[0].to_dict()
    assert len(result["checks"]) >= 4
    for name, check in result["checks"].items():
        assert row[f"{name}_p_value"] == check["p_value"] and row[f"{name}_threshold"] == check["threshold"]
    assert row["alerts"] == sum(c["drift"] for c in result["checks"].values()) >= 1  # three times longer
    assert row["drift_detected"] == float(result["drift_detected"]) == 1.0


def test_a_project_made_before_the_verdict_panels_gets_them(tmp_path):
    ws = Workspace.create(str(tmp_path / "ws"))
    old = ws.create_project(PROJECT)
    old.dashboard.add_panel(text_panel(title="longloop: drift alerts over time"))
    old.save()
    ref, cur = _frames()
    record_drift_report(tmp_path / "ws", ref, cur, _verdict(True), None)
    project = Workspace(str(tmp_path / "ws")).search_project(PROJECT)[0]
    titles = [p.title for p in project.dashboard.model().panels]
    assert VERDICT_PANEL in titles and "longloop: drift alerts over time" not in titles
