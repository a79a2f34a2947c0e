"""Atomic, checksummed training checkpoints in safetensors and JSON (model, optimizer, scheduler, RNG, position)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TypedDict

import torch
from safetensors.torch import load_file, save_file

from longloop.corpus.atomic_files import publish_folder
from longloop.training.folder_checksums import CHECKSUMS, ModelIntegrityError, sha256_file, verify_model_dir


class TrainerState(TypedDict):
    """Where the training loop stands: what a checkpoint records besides the tensors, to resume from."""

    global_step: int
    epoch: int
    batch_in_epoch: int
    best_val_loss: float
    best_val_accuracy: float
    bad_epochs: int
    real_tokens: int
    padded_tokens: int
    stopped: bool


def _flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    tensors, scalars = {}, {"param_groups": state["param_groups"], "state": {}}
    for pid, entries in state["state"].items():
        for name, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{pid}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars["state"].setdefault(str(pid), {})[name] = value
    return tensors, scalars


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], scalars: dict) -> dict:
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    for pid, entries in scalars["state"].items():
        state.setdefault(int(pid), {}).update(entries)
    return {"state": state, "param_groups": scalars["param_groups"]}


def save_checkpoint(
    folder: Path,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler,
    trainer_state: TrainerState,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{step:08d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=folder))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp / "model.safetensors"))
    opt_tensors, opt_scalars = _flatten_optimizer(optimizer.state_dict())
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng.update({f"cuda{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    save_file(rng, str(tmp / "rng.safetensors"))
    (tmp / "state.json").write_text(
        json.dumps(
            {"trainer": trainer_state, "optimizer": opt_scalars, "scheduler": scheduler.state_dict()},
            default=lambda o: None,
        )
    )
    (tmp / CHECKSUMS).write_text(json.dumps({p.name: sha256_file(p) for p in sorted(tmp.iterdir())}, indent=2))
    return publish_folder(tmp, final)


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest checkpoint whose checksums verify; broken or partial ones are skipped."""
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.glob("step-*"), reverse=True):
        try:
            verify_model_dir(candidate)
            return candidate
        except ModelIntegrityError:
            continue
    return None


def load_checkpoint(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler) -> TrainerState:
    verify_model_dir(path)
    model.load_state_dict(load_file(str(path / "model.safetensors")))
    state = json.loads((path / "state.json").read_text())
    optimizer.load_state_dict(_unflatten_optimizer(load_file(str(path / "optimizer.safetensors")), state["optimizer"]))
    scheduler.load_state_dict(state["scheduler"])
    rng = load_file(str(path / "rng.safetensors"))
    torch.set_rng_state(rng["torch"])
    if torch.cuda.is_available() and "cuda0" in rng:
        torch.cuda.set_rng_state_all([rng[f"cuda{i}"] for i in range(torch.cuda.device_count()) if f"cuda{i}" in rng])
    return state["trainer"]


def prune_checkpoints(folder: Path, keep: int = 2) -> None:
    for old in sorted(folder.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
