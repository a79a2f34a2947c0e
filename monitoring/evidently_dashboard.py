"""Evidently reports of the drift features, stored atomically as snapshots in a workspace with a dashboard."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
from evidently.sdk.models import PanelMetric
from evidently.sdk.panels import line_plot_panel, text_panel
from evidently.ui.workspace import Workspace

from longloop.corpus.atomic_files import write_text_atomic

PROJECT = "longloop drift"
NUMERIC = ["log_tokens", "oov_rate", "non_ascii_rate", "confidence"]


def feature_frame(feats: dict[str, np.ndarray], rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame({c: feats[c] for c in NUMERIC if c in feats})
    if all("prediction" in r for r in rows):
        df["prediction"] = [r["prediction"] for r in rows]
    return df


def _atomic_snapshots(ws: Workspace) -> None:
    """Evidently writes snapshot files in place; a kill mid-write would break loading the whole workspace."""
    from evidently.legacy.utils import NumpyEncoder

    state = ws.state.state if hasattr(ws.state, "state") else ws.state

    def write_snapshot(project_id, snapshot_id, snapshot) -> None:
        rel = state._snapshot_path(project_id, snapshot_id)
        write_text_atomic(Path(ws.path) / rel, json.dumps(snapshot.dict(), cls=NumpyEncoder))

    state.write_snapshot = write_snapshot


def open_project(workspace_dir: Path):
    ws = Workspace.create(str(workspace_dir))
    _atomic_snapshots(ws)
    found = ws.search_project(PROJECT)
    if found:
        return ws, found[0]
    project = ws.create_project(PROJECT)
    project.description = "Drift of production traffic against the training reference (longloop)."
    project.dashboard.add_panel(text_panel(title="longloop: drift alerts over time"))
    project.dashboard.add_panel(
        line_plot_panel(
            title="Share of drifted signals",
            size="full",
            values=[
                PanelMetric(
                    legend="share",
                    metric="evidently:metric_v2:DriftedColumnsCount",
                    metric_labels={"value_type": "share"},
                )
            ],
        )
    )
    project.dashboard.add_panel(
        line_plot_panel(
            title="Per-signal drift score",
            size="full",
            values=[
                PanelMetric(legend=c, metric="evidently:metric_v2:ValueDrift", metric_labels={"column": c})
                for c in NUMERIC + ["prediction"]
            ],
        )
    )
    project.save()
    return ws, project


def record_drift_report(
    workspace_dir: Path, ref: pd.DataFrame, cur: pd.DataFrame, html_path: Path | None = None
) -> dict:
    definition = DataDefinition(
        numerical_columns=[c for c in NUMERIC if c in ref.columns],
        categorical_columns=[c for c in ["prediction"] if c in ref.columns],
    )
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
        timestamp=datetime.now(),
    )
    ws, project = open_project(workspace_dir)
    stored = ws.add_run(project.id, snapshot)
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(html_path))
    drifted = _drifted_share(snapshot.dict())
    return {
        "project_id": str(project.id),
        "snapshot_id": str(stored.id),
        "workspace": str(workspace_dir),
        "drifted_share": drifted,
        "html": str(html_path) if html_path else None,
    }


def _drifted_share(snap: dict) -> float | None:
    for metric in snap.get("metric_results", {}).values():
        if isinstance(metric, dict) and "DriftedColumnsCount" in str(metric.get("display_name", "")) + str(metric):
            share = metric.get("share", {})
            if isinstance(share, dict) and "value" in share:
                return float(share["value"])
    return None
