"""Prefect tasks that evaluate the challenger, and the champion on the same held-out set."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_bytes_atomic, write_json_atomic, write_jsonl_atomic, write_text_atomic
from longloop.corpus.dataset_files import read_records
from longloop.corpus.splits import by_split
from longloop.evaluation.architecture_comparison import compare_architectures
from longloop.evaluation.evaluate_folder import evaluate_model_folder
from longloop.evaluation.precision_comparison import compare_with_fp32
from longloop.monitoring.drift_features import training_vocabulary
from longloop.registry.model_registry import alias_version, download_model_dir
from longloop.registry.pyfunc_model import CALIBRATION, SERVING_PRECISION
from longloop.settings.params import EvaluationParams, ModelParams, ServingParams, TrainingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import (
    SCALAR_METRIC_KEYS,
    ArchitectureReportSummary,
    ModelEvaluation,
    TrackingRun,
    TrainedModel,
)
from longloop.training.hardware import bf16_units
from longloop.training.model_io import SPEC, add_to_model_dir
from longloop.training.quantization import REDUCED_PRECISIONS, choose_serving_precision

ARCHITECTURE_REPORT = "architecture_report.json"  # in the run folder and the MLflow run, beside its table and plot


def precision_metrics(comparison: dict) -> dict[str, float]:
    """A reduced-precision comparison as flat MLflow metrics, all prefixed with the precision (``int8_``,
    ``bf16_``), fp32's paired timing included."""
    name = comparison["precision"]
    return {
        f"{name}_accuracy": comparison[name]["accuracy"],
        f"{name}_macro_f1": comparison[name]["macro_f1"],
        f"{name}_accuracy_drop": comparison["accuracy_drop"],
        f"{name}_macro_f1_drop": comparison["macro_f1_drop"],
        f"{name}_seconds_per_1000_documents": comparison[name]["seconds_per_1000_documents"],
        f"{name}_fp32_seconds_per_1000_documents": comparison["fp32"]["seconds_per_1000_documents"],
        f"{name}_documents_per_second": comparison[name]["documents_per_second"],
        f"{name}_speedup": comparison["speedup"],
        f"{name}_agreement": comparison["agreement"],
    }


def _measured_precisions(quantize: str, units: str | None) -> list[str]:
    """The variants worth timing against fp32: the one asked for, or under ``auto`` int8 and, where the machine
    has bf16 units, bf16 (emulated bf16 is slower than fp32, and timing it would only lengthen the evaluation)."""
    if quantize in ("off", "fp32"):
        return []
    if quantize != "auto":
        return [quantize]
    return [p for p in REDUCED_PRECISIONS if p != "bf16" or units is not None]


@task(name="evaluate-challenger", cache_policy=NO_CACHE)
def evaluate_challenger(
    evaluation: EvaluationParams, sp: ServingParams, seed: int, model_dir: str, kept_path: str, run: TrackingRun
) -> ModelEvaluation:
    run_dir, run_id = run.run_dir, run.run_id
    plots = Path(run_dir) / "plots"
    ev = evaluate_model_folder(Path(model_dir), Path(kept_path), evaluation, seed, plots, with_comparisons=True)
    metrics, preds, splits, model, tokenizer = ev.metrics, ev.predictions, ev.splits, ev.model, ev.tokenizer
    served: dict = {
        "quantize": sp.quantize,
        "max_int8_accuracy_drop": sp.max_int8_accuracy_drop,
        "min_bf16_agreement": sp.min_bf16_agreement,
    }
    units = bf16_units()
    measured = [p for p in _measured_precisions(sp.quantize, units) if p in model.reduced_precision_variants]
    if not model.reduced_precision_variants:
        reason = f"{model.spec.architecture} has no reduced-precision variant"
        metrics["served_precision"] = {"precision": "fp32", "reason": reason, "bf16_units": units}
    if measured:
        test = splits["test"]
        variant_preds = {}
        for precision in measured:
            metrics[precision], variant_preds[precision] = compare_with_fp32(
                model,
                tokenizer,
                [r.text for r in test],
                [r.label for r in test],
                precision,
                metrics["temperature"],
                repeats=2,
            )
            served[f"{precision}_evaluation"] = metrics[precision]
        choice = choose_serving_precision(
            sp.quantize, metrics.get("int8"), sp.max_int8_accuracy_drop, metrics.get("bf16"), sp.min_bf16_agreement
        )
        metrics["served_precision"] = {"precision": choice.precision, "reason": choice.reason, "bf16_units": units}
        if choice.precision in variant_preds:
            preds = variant_preds[choice.precision]  # the drift reference comes from the variant that will answer
    # The calibration and the precision policy travel with the model; the test predictions become the drift
    # reference if promoted.
    add_to_model_dir(
        model_dir,
        {
            CALIBRATION: json.dumps({"temperature": metrics["temperature"]}),
            SERVING_PRECISION: json.dumps(served, indent=2, sort_keys=True),
        },
    )
    reference = [
        {
            "id": r.id,
            "text": r.text,
            "label": r.label,
            "n_tokens": n,
            "prediction": p,
            "confidence": float(pr.max()),
            "embedding": [round(float(v), 4) for v in e],
        }
        for r, n, p, pr, e in zip(splits["test"], preds.n_tokens, preds.labels, preds.probabilities, preds.embeddings)
    ]
    write_jsonl_atomic(Path(run_dir) / "reference.jsonl", reference)
    write_json_atomic(Path(run_dir) / "vocabulary.json", training_vocabulary([r.text for r in splits["train"]]))
    write_bytes_atomic(Path(run_dir) / SPEC, (Path(model_dir) / SPEC).read_bytes())
    write_json_atomic(Path(run_dir) / "evaluation.json", metrics)
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics({f"test_{k}": float(metrics[k]) for k in SCALAR_METRIC_KEYS})
        mlflow.log_metrics(
            {f"test_accuracy_len_{b.replace('>', 'gt')}": v["accuracy"] for b, v in metrics["by_length"].items()}
        )
        mlflow.log_metrics(
            {f"robustness_accuracy_{n}": v["accuracy"] for n, v in metrics["robustness"]["perturbations"].items()}
        )
        mlflow.log_metrics(
            {
                f"compare_{n}_{k}": float(v[k])
                for n, v in metrics["comparisons"].items()
                if isinstance(v, dict) and "accuracy" in v
                for k in ("accuracy", "macro_f1", "long_documents_accuracy")
                if v.get(k) is not None
            }
        )
        for precision in REDUCED_PRECISIONS:
            if precision in metrics:
                mlflow.log_metrics(precision_metrics(metrics[precision]))
        if "served_precision" in metrics:
            mlflow.set_tag("longloop.served_precision", metrics["served_precision"]["precision"])
        mlflow.log_artifacts(str(plots), artifact_path="plots")
        mlflow.log_artifact(str(Path(run_dir) / "evaluation.json"))
    return ModelEvaluation.of_challenger(metrics)


@task(name="evaluate-champion", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def evaluate_champion(
    evaluation: EvaluationParams, seed: int, model_name: str, kept_path: str
) -> ModelEvaluation | None:
    """The current champion's metrics on the challenger's test set, or None when there is no champion."""
    version = alias_version(model_name, "champion")
    if version is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = download_model_dir(model_name, version, Path(tmp))
        ev = evaluate_model_folder(model_dir, Path(kept_path), evaluation, seed, None, with_comparisons=False)
    return ModelEvaluation.of_champion(version, ev.metrics)


@task(name="architecture-report", cache_policy=NO_CACHE)
def architecture_report(
    paths: StatePaths,
    model_params: ModelParams,
    training: TrainingParams,
    evaluation: EvaluationParams,
    seed: int,
    kept_path: str,
    trained: TrainedModel,
    run: TrackingRun,
    fingerprint: str,
) -> ArchitectureReportSummary | None:
    """The challenger beside the configured candidates on its own split (``evaluation.architecture_report``).
    The challenger, and under auto every candidate the selection trained, are measured from their folders; the
    others are trained for the report, each in a process of its own, with checkpoints beside the training's."""
    if not evaluation.architecture_report or trained.model_dir is None:
        return None
    architecture = trained.result["architecture"]
    names = (architecture, *(c for c in evaluation.candidates if c != architecture))
    fitted = {name: Path(folder) for name, folder in trained.candidate_dirs.items()}
    fitted[architecture] = Path(trained.model_dir)
    out, work_dir = Path(run.run_dir) / "architecture-report", paths.training_dir(fingerprint) / "architecture-report"
    out.mkdir(parents=True, exist_ok=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    report = compare_architectures(
        by_split(read_records(Path(kept_path))),
        model_params,
        training,
        evaluation.model_copy(update={"candidates": names}),
        seed,
        work_dir,
        plot_path=out / "architecture_pareto.png",
        fitted=fitted,
    )
    write_json_atomic(out / ARCHITECTURE_REPORT, report.to_dict())
    write_text_atomic(out / "architecture_report.txt", report.table() + "\n")
    with mlflow.start_run(run_id=run.run_id):
        mlflow.log_artifacts(str(out), artifact_path="architecture-report")
        mlflow.log_metrics(
            {
                f"architecture_{c.name}_{key}": float(getattr(c, key))
                for c in report.candidates
                for key in ("macro_f1", "accuracy", "ece", "ms_per_document", "cost_per_1000_documents")
            }
        )
        mlflow.set_tag("longloop.architecture_recommended", report.recommended)
    return ArchitectureReportSummary(
        report.recommended,
        report.reason,
        report.policy,
        report.pareto,
        [asdict(c) for c in report.candidates],
        report.table(),
    )
