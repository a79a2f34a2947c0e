"""Prefect tasks of the architecture report: the split it is measured on, the comparison, and its MLflow run."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import mlflow
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_json_atomic
from longloop.corpus.demo_records import demo_records
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import Record
from longloop.corpus.splits import assign_splits, by_split
from longloop.evaluation.architecture_comparison import ArchitectureReport, CandidateResult, compare_architectures
from longloop.registry.tracking import configure_tracking_target
from longloop.settings.params import DataParams, EvaluationParams, ModelParams, TrainingParams
from longloop.settings.state_paths import StatePaths, TrackingTarget
from longloop.tasks.retry_policy import TRANSIENT_RETRIES

REPORT, PLOT = "architecture_report.json", "architecture_pareto.png"


@task(name="comparison-split", cache_policy=NO_CACHE)
def comparison_split(paths: StatePaths, data: DataParams, seed: int, data_path: str | None) -> dict[str, list[Record]]:
    """The records split as the pipeline splits them (the file's own splits, else by hash); the state folder's
    dataset is left alone."""
    if data_path:
        quarantine = data.on_bad_record == "quarantine"  # a bad row is set aside, as the pipeline sets it aside
        records = read_dataset(data_path, [paths.root], data.max_text_chars, quarantine=quarantine).records
    else:
        records = demo_records(data.demo, data.max_text_chars)
    return by_split(assign_splits(records, data.split.validation, data.split.test, seed))


@task(name="compare-architectures", cache_policy=NO_CACHE)
def compare_architectures_task(
    paths: StatePaths,
    splits: dict[str, list[Record]],
    mp: ModelParams,
    tp: TrainingParams,
    ep: EvaluationParams,
    seed: int,
    out_dir: str,
) -> ArchitectureReport:
    logger = get_run_logger()

    def done(c: CandidateResult) -> None:
        logger.info(
            "%s: macro-F1 %.4f, %.2f ms per document, trained in %.1f s",
            c.name,
            c.macro_f1,
            c.ms_per_document,
            c.train_seconds,
        )

    paths.ensure()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    # Each candidate's checkpoints are scratch: the report keeps the measurements, not the models.
    work = Path(tempfile.mkdtemp(prefix="compare-", dir=paths.state))
    try:
        report = compare_architectures(
            splits, mp, tp, ep, seed, work, Path(out_dir) / PLOT, progress=True, on_candidate=done
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_json_atomic(Path(out_dir) / REPORT, report.to_dict())
    return report


@task(name="log-comparison", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def log_comparison(tracking: TrackingTarget, report: ArchitectureReport, out_dir: str, source: str) -> str:
    """An MLflow run holding the report, its plot and each candidate's figures; returns its id."""
    configure_tracking_target(tracking)
    with mlflow.start_run(run_name="architecture-comparison") as run:
        mlflow.set_tags(
            {
                "longloop.kind": "architecture-comparison",
                "longloop.data": source,
                "longloop.recommended": report.recommended,
            }
        )
        for c in report.candidates:
            mlflow.log_metrics(
                {
                    f"{c.name}.macro_f1": c.macro_f1,
                    f"{c.name}.accuracy": c.accuracy,
                    f"{c.name}.ece": c.ece,
                    f"{c.name}.train_seconds": c.train_seconds,
                    f"{c.name}.ms_per_document": c.ms_per_document,
                    f"{c.name}.cost_per_1000_documents": c.cost_per_1000_documents,
                    f"{c.name}.peak_memory_mb": c.peak_memory_mb,
                }
            )
        mlflow.log_artifact(str(Path(out_dir) / REPORT))
        if report.plot:
            mlflow.log_artifact(report.plot)
    return run.info.run_id
