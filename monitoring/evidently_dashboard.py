"""Evidently reports of each drift window, stored atomically as snapshots in a workspace with a dashboard.

Each window gives two snapshots: Evidently's own ``DataDriftPreset`` over the drift features, and longloop's
verdict as a one-row dataset measured with Evidently's ``MeanValue`` (no patching of Evidently): the calibrated
verdict and score, each signal's statistic, p-value and threshold, the number of alerting signals, and the
accuracy and calibration from delayed labels when the window has them, and the shadow and canary figures of
the window's time when a challenger was shadowed or a champion was in its canary. The dashboard plots
longloop's verdict first, as bars (a single window still shows), then Evidently's view.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import MeanValue
from evidently.presets import DataDriftPreset
from evidently.sdk.models import PanelMetric
from evidently.sdk.panels import bar_plot_panel, line_plot_panel, text_panel
from evidently.ui.workspace import Workspace

from longloop.corpus.atomic_files import write_text_atomic

PROJECT = "longloop drift"
NUMERIC = ["log_tokens", "oov_rate", "non_ascii_rate", "confidence"]
VERDICT_PANEL = "longloop verdict: drift detected (1) or not (0), per window"
RELEASE_PANEL = "Shadow and canary: agreement, failures and model-time ratios of the window"
RELEASE_COLUMNS = {
    "shadow_agreement": "shadow agreement",
    "shadow_latency_ratio": "shadow model-time ratio",
    "canary_error_rate": "canary failed-request rate",
    "canary_latency_ratio": "canary model-time ratio",
}
SNAPSHOTS_PER_WINDOW = 2  # Evidently's data drift report and longloop's verdict
QUALITY_COLUMNS = ("accuracy", "accuracy_low", "accuracy_high", "ece", "reference_accuracy")
_MEAN = "evidently:metric_v2:MeanValue"


def verdict_frame(result: dict) -> pd.DataFrame:
    """longloop's verdict on a window as one row of numbers: ``drift_detected`` (0/1), ``drift_score``,
    ``alerts`` (signals over their threshold), ``<signal>_p_value`` / ``_threshold`` / ``_statistic``, and with
    labels ``quality_<accuracy|accuracy_low|accuracy_high|ece|reference_accuracy>`` and ``quality_degraded``;
    ``<signal>_evidence`` and ``threshold_evidence`` are the -log10 of the p-value and of the threshold; the
    ``release`` figures (``shadow_*``, ``canary_*``) as they are."""
    checks = result["checks"]
    row: dict[str, float] = {
        "drift_detected": float(bool(result["drift_detected"])),
        "drift_score": float(result["score"]),
        "alerts": float(sum(bool(c["drift"]) for c in checks.values())),
    }
    for name, check in checks.items():
        for key in ("p_value", "threshold", "statistic"):
            row[f"{name}_{key}"] = float(check[key])
        # On a bar chart a drifted signal's p-value (1e-4) is no bar at all; its -log10 is a tall one.
        row[f"{name}_evidence"] = _minus_log10(check["p_value"])
    if checks:
        row["threshold_evidence"] = _minus_log10(min(float(c["threshold"]) for c in checks.values()))
    quality = result.get("quality")
    if quality:
        row.update({f"quality_{k}": float(quality[k]) for k in QUALITY_COLUMNS if quality.get(k) is not None})
        row["quality_degraded"] = float(bool(quality["degraded"]))
    row.update({k: float(v) for k, v in (result.get("release") or {}).items()})
    return pd.DataFrame([row])


def _minus_log10(p: float) -> float:
    return float(-np.log10(max(float(p), 1e-300)))


def _mean(column: str, legend: str) -> PanelMetric:
    return PanelMetric(legend=legend, metric=_MEAN, metric_labels={"column": column})


def _add_panels(project) -> None:
    from longloop.monitoring.drift_detector import SIGNALS

    signals = [s.name for s in SIGNALS]
    dash = project.dashboard
    dash.add_panel(
        text_panel(
            title="longloop drift: the verdict of each production window",
            description="A window drifts when a signal's p-value falls under its threshold (alpha over the number of "
            "signals). The alerts, the retraining decisions and the quality from delayed labels are longloop's; the "
            "last two panels are Evidently's own DataDriftPreset on the drift features.",
        )
    )
    dash.add_panel(bar_plot_panel(title=VERDICT_PANEL, size="half", values=[_mean("drift_detected", "drift")]))
    dash.add_panel(
        bar_plot_panel(
            title="Alerts: signals over their threshold", size="half", values=[_mean("alerts", "alerting signals")]
        )
    )
    dash.add_panel(
        bar_plot_panel(
            title="Drift score (1 - the smallest Bonferroni-adjusted p-value)",
            size="half",
            values=[_mean("drift_score", "score")],
        )
    )
    dash.add_panel(
        bar_plot_panel(
            title="Accuracy from delayed labels (95% interval) against the evaluation's",
            size="half",
            values=[_mean(f"quality_{k}", k) for k in QUALITY_COLUMNS if k != "ece"],
        )
    )
    dash.add_panel(
        bar_plot_panel(
            title="Evidence per signal, -log10 p-value (drift above the threshold bar)",
            values=[_mean("threshold_evidence", "threshold")] + [_mean(f"{s}_evidence", s) for s in signals],
        )
    )
    dash.add_panel(bar_plot_panel(title="Statistic per signal", values=[_mean(f"{s}_statistic", s) for s in signals]))
    dash.add_panel(
        bar_plot_panel(title=RELEASE_PANEL, values=[_mean(c, legend) for c, legend in RELEASE_COLUMNS.items()])
    )


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
    """The workspace and its longloop project; a project made before the current panels (the release panel is
    the newest) gets them."""
    ws = Workspace.create(str(workspace_dir))
    _atomic_snapshots(ws)
    found = ws.search_project(PROJECT)
    if found:
        project = found[0]
        if RELEASE_PANEL in [p.title for p in project.dashboard.model().panels]:
            return ws, project
        project.dashboard.clear_dashboard()
    else:
        project = ws.create_project(PROJECT)
        project.description = "Drift of production traffic against the training reference (longloop)."
    _add_panels(project)
    project.dashboard.add_panel(
        line_plot_panel(
            title="Evidently: share of drifted features",
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
            title="Evidently: per-feature drift score",
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
    workspace_dir: Path, ref: pd.DataFrame, cur: pd.DataFrame, verdict: dict, html_path: Path | None = None
) -> dict:
    """``verdict``: longloop's drift result of the window (``DriftResult.to_dict`` with ``quality``)."""
    definition = DataDefinition(
        numerical_columns=[c for c in NUMERIC if c in ref.columns],
        categorical_columns=[c for c in ["prediction"] if c in ref.columns],
    )
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot_time = datetime.now()
    snapshot = report.run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
        timestamp=snapshot_time,
    )
    verdict_row = verdict_frame(verdict)
    verdict_snapshot = Report([MeanValue(column=c) for c in verdict_row.columns]).run(
        Dataset.from_pandas(verdict_row, data_definition=DataDefinition(numerical_columns=list(verdict_row.columns))),
        None,
        timestamp=snapshot_time,
    )
    ws, project = open_project(workspace_dir)
    stored = ws.add_run(project.id, snapshot, name="Evidently data drift")
    verdict_ref = ws.add_run(project.id, verdict_snapshot, name="longloop verdict")
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(html_path))
    drifted = _drifted_share(snapshot.dict())
    return {
        "project_id": str(project.id),
        "snapshot_id": str(stored.id),
        "verdict_snapshot_id": str(verdict_ref.id),
        "workspace": str(workspace_dir),
        "drifted_share": drifted,
        "html": str(html_path) if html_path else None,
    }


def _drifted_share(snap: dict) -> float | None:
    for metric in snap.get("metrics", []):
        if "DriftedColumnsCount" in metric.get("config", {}).get("type", ""):
            value = metric.get("value")
            if isinstance(value, dict) and "share" in value:
                return float(value["share"])
    return None
