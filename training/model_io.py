"""A trained model as a folder: safetensors weights, JSON spec, tokenizer and checksums. No pickle."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from longloop.corpus.atomic_files import publish_folder, write_text_atomic
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier, ModelSpec

WEIGHTS, SPEC, CHECKSUMS = "model.safetensors", "model_spec.json", "checksums.json"


class ModelIntegrityError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def verify_model_dir(folder: str | Path) -> None:
    folder = Path(folder)
    sums_path = folder / CHECKSUMS
    if not sums_path.is_file():
        raise ModelIntegrityError(f"{folder}: no {CHECKSUMS}; the model folder is incomplete")
    for name, digest in json.loads(sums_path.read_text()).items():
        p = folder / name
        if not p.is_file() or sha256_file(p) != digest:
            raise ModelIntegrityError(f"{folder}: {name} is missing or does not match its checksum")


def load_model_dir(folder: str | Path, device: str = "cpu") -> tuple[LongDocumentClassifier, DocumentTokenizer]:
    folder = Path(folder)
    verify_model_dir(folder)
    spec = ModelSpec.from_dict(json.loads((folder / SPEC).read_text()))
    model = LongDocumentClassifier(spec)
    model.load_state_dict(load_file(str(folder / WEIGHTS), device="cpu"))
    model.to(torch.device(device)).eval()
    return model, DocumentTokenizer.load(folder)
