"""Train on the train/validation splits of a split dataset file and save a model folder (safetensors, spec,
tokenizer): the DVC ``train`` stage. The loop's training task adds MLflow logging around the same fit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.dataset_files import read_records
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError
from longloop.corpus.splits import by_split
from longloop.settings.params import ModelParams, TrainingParams
from longloop.training.fit import fit_classifier
from longloop.training.model_io import TRAINING_RESULT, save_model_dir


@dataclass(frozen=True)
class TrainedFolder:
    model_dir: Path
    result: dict
    parameters: int

    def to_dict(self) -> dict:
        return {"model_dir": str(self.model_dir), "parameters": self.parameters, "result": self.result}


def train_to_folder(
    dataset_path: Path, out_dir: Path, mp: ModelParams, tp: TrainingParams, seed: int, work_dir: Path
) -> TrainedFolder:
    splits = by_split(read_records(Path(dataset_path)))
    model, tokenizer, result = fit_classifier(splits["train"], splits["validation"], mp, tp, seed, work_dir)
    folder = save_model_dir(model, tokenizer, out_dir, extra={TRAINING_RESULT: result.to_dict()})
    return TrainedFolder(folder, result.to_dict(), sum(p.numel() for p in model.parameters()))


def train_file_to_folder(
    data: str, out: str, allowed_roots: list[Path], mp: ModelParams, tp: TrainingParams, seed: int, work_dir: Path
) -> TrainedFolder:
    """``train_to_folder`` for paths a user gave: both must stay inside ``allowed_roots``."""
    dataset, folder = resolve_inside(data, allowed_roots), resolve_inside(out, allowed_roots)
    if not dataset.is_file():
        raise DataError(f"{data}: file not found")
    return train_to_folder(dataset, folder, mp, tp, seed, work_dir)
