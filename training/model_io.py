"""A trained model as a folder: safetensors weights, JSON spec, tokenizer and checksums. No pickle."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from longloop.corpus.atomic_files import publish_folder, write_text_atomic
from longloop.training.architectures import model_from_spec
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.folder_checksums import CHECKSUMS, sha256_file, verify_model_dir
from longloop.training.model import LongDocumentClassifier, ModelSpec

WEIGHTS, SPEC = "model.safetensors", "model_spec.json"
TRAINING_RESULT = "training_result.json"  # the trainer's result, beside the model it trained


def save_model_dir(
    model: LongDocumentClassifier,
    tokenizer: DocumentTokenizer,
    folder: str | Path,
    extra: dict[str, dict] | None = None,
) -> Path:
    """Write the folder under a temporary name and rename it into place, so it is complete or absent."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(tmp / WEIGHTS))
    (tmp / SPEC).write_text(json.dumps(model.spec.to_dict(), indent=2))
    tokenizer.save(tmp)
    for name, obj in (extra or {}).items():
        (tmp / name).write_text(json.dumps(obj, indent=2, sort_keys=True, default=str))
    sums = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
    (tmp / CHECKSUMS).write_text(json.dumps(sums, indent=2))
    return publish_folder(tmp, folder)


def add_to_model_dir(folder: str | Path, files: dict[str, str]) -> Path:
    """Add text files to a finished model folder and re-seal its checksums (each file written atomically)."""
    folder = Path(folder)
    verify_model_dir(folder)
    for name, text in files.items():
        write_text_atomic(folder / name, text)
    sums = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != CHECKSUMS and not p.name.startswith(".")
    }
    write_text_atomic(folder / CHECKSUMS, json.dumps(sums, indent=2))
    return folder


def load_model_dir(folder: str | Path, device: str = "cpu") -> tuple[LongDocumentClassifier, DocumentTokenizer]:
    folder = Path(folder)
    verify_model_dir(folder)
    spec = ModelSpec.from_dict(json.loads((folder / SPEC).read_text()))
    model = model_from_spec(spec)
    model.load_state_dict(load_file(str(folder / WEIGHTS), device="cpu"))
    model.to(torch.device(device)).eval()
    return model, DocumentTokenizer.load(folder)
