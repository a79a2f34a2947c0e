"""A model folder's seal: ``checksums.json`` with the SHA-256 of every file, checked before anything is loaded.
Shared by model folders and training checkpoints."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CHECKSUMS = "checksums.json"


class ModelIntegrityError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_model_dir(folder: str | Path) -> None:
    folder = Path(folder)
    sums_path = folder / CHECKSUMS
    if not sums_path.is_file():
        raise ModelIntegrityError(f"{folder}: no {CHECKSUMS}; the model folder is incomplete")
    for name, digest in json.loads(sums_path.read_text()).items():
        p = folder / name
        if not p.is_file() or sha256_file(p) != digest:
            raise ModelIntegrityError(f"{folder}: {name} is missing or does not match its checksum")
