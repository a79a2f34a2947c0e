"""Prefect task that trains the long-context classifier and logs every step to MLflow."""

from __future__ import annotations

from pathlib import Path

import mlflow
from prefect import task
from prefect.cache_policies import NO_CACHE

from corpus.dataset_files import read_records
from corpus.splits import by_split
from settings.params import LongloopParams
from training.fit import fit_classifier
from training.model_io import save_model_dir


@task(name="train-model", cache_policy=NO_CACHE)
def train_model(params: LongloopParams, kept_path: str, run_dir: str, run_id: str) -> dict:
    splits = by_split(read_records(Path(kept_path)))
    client = mlflow.MlflowClient()

    def on_step(step: int, metrics: dict) -> None:
        client.log_batch(run_id, metrics=[mlflow.entities.Metric(k, float(v), 0, step) for k, v in metrics.items()])

    with mlflow.start_run(run_id=run_id):
        mlflow.log_params({f"model.{k}": v for k, v in params.model.model_dump().items()})
        mlflow.log_params({f"training.{k}": v for k, v in params.training.model_dump().items()})
    model, tokenizer, result = fit_classifier(splits["train"], splits["validation"], params.model, params.training,
                                              params.project.seed, Path(run_dir) / "training", on_step=on_step)
    model_dir = save_model_dir(model, tokenizer, Path(run_dir) / "model",
                               extra={"training_result.json": result.to_dict()})
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics({f"final_{k}": float(v) for k, v in result.to_dict().items()
                            if isinstance(v, (int, float)) and v is not None})
    return {"model_dir": str(model_dir), "result": result.to_dict(),
            "parameters": sum(p.numel() for p in model.parameters())}
