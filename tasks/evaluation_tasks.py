"""Prefect tasks that evaluate the challenger, and the champion on the same held-out set."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_bytes_atomic, write_json_atomic, write_jsonl_atomic
from longloop.evaluation.evaluate_folder import evaluate_model_folder
from longloop.evaluation.int8_comparison import compare_int8_with_fp32
from longloop.monitoring.drift_features import training_vocabulary
from longloop.registry.model_registry import alias_version, download_model_dir
from longloop.registry.pyfunc_model import CALIBRATION, SERVING_PRECISION
from longloop.settings.params import EvaluationParams, ServingParams
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import SCALAR_METRIC_KEYS, ModelEvaluation, TrackingRun
from longloop.training.model_io import SPEC, add_to_model_dir
from longloop.training.quantization import choose_serving_precision


def int8_metrics(comparison: dict) -> dict[str, float]:
    """The int8 comparison as flat MLflow metrics, all prefixed ``int8_`` (fp32's paired timing included)."""
    return {
        "int8_accuracy": comparison["int8"]["accuracy"],
        "int8_macro_f1": comparison["int8"]["macro_f1"],
        "int8_accuracy_drop": comparison["accuracy_drop"],
        "int8_macro_f1_drop": comparison["macro_f1_drop"],
        "int8_seconds_per_1000_documents": comparison["int8"]["seconds_per_1000_documents"],
        "int8_fp32_seconds_per_1000_documents": comparison["fp32"]["seconds_per_1000_documents"],
        "int8_documents_per_second": comparison["int8"]["documents_per_second"],
        "int8_speedup": comparison["speedup"],
        "int8_agreement": comparison["agreement"],
    }


@task(name="evaluate-challenger", cache_policy=NO_CACHE)
def evaluate_challenger(
    evaluation: EvaluationParams, sp: ServingParams, seed: int, model_dir: str, kept_path: str, run: TrackingRun
) -> ModelEvaluation:
    run_dir, run_id = run.run_dir, run.run_id
    plots = Path(run_dir) / "plots"
    ev = evaluate_model_folder(Path(model_dir), Path(kept_path), evaluation, seed, plots, with_comparisons=True)
    metrics, preds, splits, model, tokenizer = ev.metrics, ev.predictions, ev.splits, ev.model, ev.tokenizer
    served = {"quantize": sp.quantize, "max_int8_accuracy_drop": sp.max_int8_accuracy_drop}
    if sp.quantize != "off":
        test = splits["test"]
        metrics["int8"], int8_preds = compare_int8_with_fp32(
            model, tokenizer, [r.text for r in test], [r.label for r in test], metrics["temperature"], repeats=2
        )
        served["int8_evaluation"] = metrics["int8"]
        choice = choose_serving_precision(sp.quantize, metrics["int8"], sp.max_int8_accuracy_drop)
        metrics["int8"]["served_precision"] = choice.precision
        if choice.precision == "int8":
            preds = int8_preds  # the drift reference must come from the variant that will answer production
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
        if "int8" in metrics:
            mlflow.log_metrics(int8_metrics(metrics["int8"]))
            mlflow.set_tag("longloop.served_precision", metrics["int8"]["served_precision"])
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
