"""Prefect task that trains the long-context classifier and logs every step to MLflow."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency

from longloop.corpus.atomic_files import write_json_atomic
from longloop.corpus.dataset_files import read_records
from longloop.corpus.splits import by_split
from longloop.evaluation.architecture_selection import select_architecture
from longloop.governance.redaction import redact_structure
from longloop.settings.params import EvaluationParams, ModelParams, ProjectParams, TrainingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import TrackingRun, TrainedModel
from longloop.training.fit import fit_classifier
from longloop.training.model_io import TRAINING_RESULT, save_model_dir

ARCHITECTURE_SELECTION = "architecture_selection.json"  # under model.architecture: auto, in the folder and the run
TRAINING_SUMMARY = "training_summary.json"  # a run artifact: the training result and the parameter count


def training_slot(project_name: str, slots: int | None):
    """A slot of the global concurrency limit ``<project>-training`` when ``training.max_concurrent_runs`` is set:
    runs on other workers wait for one (Prefect holds the slots on the server, with a lease that a crashed
    holder loses). The limit is created, or resized to the configured slots, on first use."""
    if slots is None:
        return contextlib.nullcontext()
    name = f"{project_name}-training"
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, slots)
    return concurrency(name, occupy=1, strict=True)


@task(name="train-model", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def train_model(
    paths: StatePaths,
    model_params: ModelParams,
    training: TrainingParams,
    project: ProjectParams,
    kept_path: str,
    run: TrackingRun,
    fingerprint: str,
    evaluation: EvaluationParams | None = None,
) -> TrainedModel:
    """Checkpoints live under the training fingerprint, not the MLflow run: a run killed mid-training is
    resumed by the next run on the same data, parameters and code, which loses at most ``checkpoint_every``
    steps."""
    splits = by_split(read_records(Path(kept_path)))
    run_id = run.run_id
    client = mlflow.MlflowClient()

    def on_step(step: int, metrics: dict) -> None:
        client.log_batch(run_id, metrics=[mlflow.entities.Metric(k, float(v), 0, step) for k, v in metrics.items()])

    with mlflow.start_run(run_id=run_id):
        mlflow.log_params(redact_structure({f"model.{k}": v for k, v in model_params.model_dump().items()}))
        mlflow.log_params(redact_structure({f"training.{k}": v for k, v in training.model_dump().items()}))
    selection = None
    with training_slot(project.name, training.max_concurrent_runs):
        if model_params.architecture == "auto":  # every candidate trained, the policy's pick goes on
            model, tokenizer, result, selection = select_architecture(
                splits["train"],
                splits["validation"],
                model_params,
                training,
                evaluation or EvaluationParams(),
                project.seed,
                paths.training_dir(fingerprint),
                on_step=on_step,
            )
        else:
            model, tokenizer, result = fit_classifier(
                splits["train"],
                splits["validation"],
                model_params,
                training,
                project.seed,
                paths.training_dir(fingerprint),
                on_step=on_step,
            )
    extra = {TRAINING_RESULT: result.to_dict()}
    if selection is not None:
        extra[ARCHITECTURE_SELECTION] = selection.to_dict()
    model_dir = save_model_dir(model, tokenizer, Path(run.run_dir) / "model", extra=extra)
    summary_result = {**result.to_dict(), "architecture": model.spec.architecture}
    if selection is not None:
        summary_result["architecture_selection"] = selection.to_dict()
        with mlflow.start_run(run_id=run_id):
            mlflow.log_dict(selection.to_dict(), ARCHITECTURE_SELECTION)
            mlflow.set_tag("longloop.architecture_chosen", selection.chosen)
    trained = TrainedModel(
        summary_result,
        sum(p.numel() for p in model.parameters()),
        str(model_dir),
        candidate_dirs=selection.model_dirs if selection is not None else {},
    )
    # Kept with the run, so that a later cycle that reuses this model can report its training.
    summary = write_json_atomic(Path(run.run_dir) / TRAINING_SUMMARY, trained.to_dict())
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics(
            {
                f"final_{k}": float(v)
                for k, v in result.to_dict().items()
                if isinstance(v, (int, float)) and v is not None
            }
        )
        mlflow.log_artifact(str(summary))
    return trained


@task(name="release-training-checkpoints", cache_policy=NO_CACHE)
def release_training_checkpoints(paths: StatePaths, fingerprint: str) -> None:
    """Once the model is registered its checkpoints are not needed: renamed first, so that a kill halfway
    through deleting leaves no half-deleted folder for a later run to resume from."""
    folder = paths.training_dir(fingerprint)
    if folder.is_dir():
        doomed = folder.with_name(f".released-{folder.name}")
        shutil.rmtree(doomed, ignore_errors=True)
        folder.rename(doomed)
    for doomed in folder.parent.glob(".released-*"):  # this one, and any that an earlier kill left
        shutil.rmtree(doomed, ignore_errors=True)
