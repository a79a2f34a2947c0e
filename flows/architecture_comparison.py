"""The architecture report as a flow (``longloop compare``): every candidate trained and tested on one split of
the user's data (or the demo corpus), the table, the Pareto plot and the recommendation, logged to MLflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prefect import flow

from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths, TrackingTarget
from longloop.tasks.comparison_tasks import (
    ArchitectureReport,
    compare_architectures_task,
    comparison_split,
    log_comparison,
)
from longloop.tasks.stage_results import StageResult


@dataclass(frozen=True)
class ArchitectureComparison(StageResult):
    source: str  # the data file, or "demo"
    split: dict[str, int]  # documents per split
    report: ArchitectureReport
    out_dir: str  # the report's JSON and plot
    mlflow_run_id: str


@flow(name="longloop-architecture-comparison")
def architecture_comparison(params: LongloopParams, data_path: str | None = None) -> ArchitectureComparison:
    paths = StatePaths.from_params(params)
    splits = comparison_split(paths, params.data, params.project.seed, data_path)
    out_dir = paths.state / "compare" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    report = compare_architectures_task(
        paths, splits, params.model, params.training, params.evaluation, params.project.seed, str(out_dir)
    )
    source = data_path or "demo"
    run_id = log_comparison(TrackingTarget.for_params(params), report, str(out_dir), source)
    return ArchitectureComparison(source, {k: len(v) for k, v in splits.items()}, report, str(out_dir), run_id)
