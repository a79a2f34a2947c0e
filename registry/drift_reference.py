"""The files a promoted model leaves for the drift job: its test predictions, its training vocabulary and its
spec, logged with the model's run and copied into the state folder when the model becomes the champion."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow

from longloop.corpus.atomic_files import write_bytes_atomic
from longloop.settings.state_paths import StatePaths
from longloop.training.model_io import SPEC

DRIFT_REFERENCE_FILES = ("reference.jsonl", "vocabulary.json", SPEC)
DRIFT_REFERENCE_ARTIFACTS = "drift_reference"


def fetch_drift_reference(run_dir: Path, run_id: str) -> None:
    """Make sure ``run_dir`` holds the run's drift reference, downloading it from the run's artifacts when this
    machine did not train the model (the run folder is local state)."""
    if all((run_dir / f).is_file() for f in DRIFT_REFERENCE_FILES):
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=DRIFT_REFERENCE_ARTIFACTS, dst_path=str(run_dir))
    for f in DRIFT_REFERENCE_FILES:
        shutil.move(run_dir / DRIFT_REFERENCE_ARTIFACTS / f, run_dir / f)


def install_drift_reference(paths: StatePaths, run_dir: Path) -> None:
    """The champion's reference becomes the one the drift job compares production with, file by file atomically."""
    paths.monitoring_dir.mkdir(parents=True, exist_ok=True)
    targets = (paths.drift_reference, paths.drift_vocabulary, paths.drift_model_spec)
    for f, target in zip(DRIFT_REFERENCE_FILES, targets, strict=True):
        write_bytes_atomic(target, (run_dir / f).read_bytes())
