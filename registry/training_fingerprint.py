"""The identity of a training: the data it learns from, the parameters and the code that shape the model and its
evaluation. Two cycles with the same fingerprint would register the same model, so the second reuses the
version the first registered. The fingerprint travels as a tag on the model version, so any machine that
reaches the registry finds it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from longloop.settings.params import LongloopParams

FINGERPRINT_TAG = "longloop.fingerprint"
FINGERPRINT_FORMAT = 1  # bump when what goes into the fingerprint changes
_SOURCE_ROOT = Path(__file__).resolve().parents[1]
# The code whose changes change the registered model or its reported metrics. The governance gate and the
# readers count through the hash of the data the gate kept.
TRAINING_CODE = ("training", "evaluation")


def _digest_files(files: list[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def code_version(packages: tuple[str, ...] = TRAINING_CODE) -> str:
    """The sha256 of the Python sources of ``packages`` (path and content, in a stable order)."""
    files = sorted(
        (p.relative_to(_SOURCE_ROOT).as_posix(), p)
        for package in packages
        for p in (_SOURCE_ROOT / package).rglob("*.py")
    )
    return _digest_files(files)


def folder_digest(folder: Path) -> str:
    """The sha256 of every file under ``folder`` (relative path and content)."""
    return _digest_files(sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file()))


# Settings inside those sections that say how a training runs, not what it learns: how often it checkpoints
# (a resumed run gives the same result) and how many trainings may run at once.
OPERATIONAL = {"training": {"checkpoint_every", "max_concurrent_runs"}}


def shaping_params(params: LongloopParams) -> dict:
    """The parameters that change the trained model or its evaluation. Serving, monitoring, retraining,
    promotion and service locations are left out: changing them does not call for a new model."""
    shaping = {
        section: getattr(params, section).model_dump(mode="json", exclude=OPERATIONAL.get(section))
        for section in ("model", "training", "evaluation", "governance")
    }
    shaping["seed"] = params.project.seed
    if params.model.pretrained_dir:
        # The same folder name may hold other weights tomorrow: what counts is its content.
        folder = Path(params.model.pretrained_dir)
        shaping["pretrained_content"] = folder_digest(folder if folder.is_absolute() else Path(params.root) / folder)
    return shaping


def training_fingerprint(params: LongloopParams, dataset_md5: str, kept_sha256: str) -> str:
    """``dataset_md5``: the DVC hash of the dataset; ``kept_sha256``: the hash of what the gate let through."""
    payload = {
        "format": FINGERPRINT_FORMAT,
        "dataset_md5": dataset_md5,
        "kept_sha256": kept_sha256,
        "params": shaping_params(params),
        "code": code_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
