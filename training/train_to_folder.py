"""Train on the train/validation splits of a split dataset file and save a model folder (safetensors, spec,
tokenizer): the DVC ``train`` stage. The loop's training task adds MLflow logging around the same fit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.dataset_files import read_records
from longloop.corpus.splits import by_split
from longloop.settings.params import ModelParams, TrainingParams
from longloop.training.fit import fit_classifier
from longloop.training.model_io import save_model_dir


@dataclass(frozen=True)
class TrainedFolder:
    model_dir: Path
    result: dict
    parameters: int


def train_to_folder(
    dataset_path: Path, out_dir: Path, mp: ModelParams, tp: TrainingParams, seed: int, work_dir: Path
) -> TrainedFolder:
    splits = by_split(read_records(Path(dataset_path)))
    model, tokenizer, result = fit_classifier(splits["train"], splits["validation"], mp, tp, seed, work_dir)
    folder = save_model_dir(model, tokenizer, out_dir, extra={"training_result.json": result.to_dict()})
    return TrainedFolder(folder, result.to_dict(), sum(p.numel() for p in model.parameters()))
