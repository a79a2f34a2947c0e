"""Log a trained model folder as an MLflow pyfunc, register it, and move aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

ENTRY = Path(__file__).with_name("pyfunc_entry.py")


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str
    model_uri: str
    run_id: str


def log_and_register(
    model_dir: Path, name: str, example_text: str, labels: tuple[str, ...], tags: dict[str, str]
) -> RegisteredVersion:
    """Inside an active run: log the pyfunc (weights, tokenizer, spec, card) and register a new version."""
    example = pd.DataFrame({"text": [example_text[:2000]]})
    output = pd.DataFrame(
        {"label": [labels[0]], "confidence": [0.5], "n_tokens": [1], **{f"p_{l}": [0.5] for l in labels}}
    )
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(ENTRY),
        artifacts={"model_dir": str(model_dir)},
        signature=infer_signature(example, output),
        input_example=example,
        pip_requirements=[],
        tags=tags,
    )
    mv = mlflow.register_model(info.model_uri, name, tags=tags)
    run = mlflow.active_run()
    return RegisteredVersion(
        name=name,
        version=str(mv.version),
        model_uri=f"models:/{name}/{mv.version}",
        run_id=run.info.run_id if run else "",
    )


def alias_version(name: str, alias: str) -> str | None:
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def set_alias(name: str, alias: str, version: str) -> None:
    MlflowClient().set_registered_model_alias(name, alias, version)


def version_aliases(name: str, version: str) -> list[str]:
    return list(MlflowClient().get_model_version(name, version).aliases)


def version_tags(name: str, version: str) -> dict[str, str]:
    return dict(MlflowClient().get_model_version(name, version).tags)


def set_version_tags(name: str, version: str, tags: dict[str, str]) -> None:
    client = MlflowClient()
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)


def find_version_by_tag(name: str, key: str, value: str) -> RegisteredVersion | None:
    """The earliest version of ``name`` tagged ``key=value`` (two racing registrations may both carry it)."""
    quoted = value.replace("'", "\\'")
    found = MlflowClient().search_model_versions(f"name='{name}' and tags.`{key}` = '{quoted}'")
    if not found:
        return None
    mv = min(found, key=lambda v: int(v.version))
    return RegisteredVersion(
        name=name, version=str(mv.version), model_uri=f"models:/{name}/{mv.version}", run_id=mv.run_id or ""
    )


def load_run_json(run_id: str, artifact: str) -> dict:
    """A JSON artifact of a run, e.g. the ``evaluation.json`` the challenger's evaluation logged."""
    return mlflow.artifacts.load_dict(f"runs:/{run_id}/{artifact}")


def download_model_dir(name: str, version: str, dest: Path) -> Path:
    """The model folder (safetensors and JSON) of a registered version, downloaded to ``dest``."""
    root = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", dst_path=str(dest)))
    found = sorted((root / "artifacts").glob("*/checksums.json"))
    if not found:
        raise FileNotFoundError(f"models:/{name}/{version} holds no model folder")
    return found[0].parent


def rollback_champion(name: str) -> tuple[str, str]:
    """Point ``champion`` back at ``previous-champion`` (and swap them); returns (from, to) versions."""
    current, previous = alias_version(name, "champion"), alias_version(name, "previous-champion")
    if current is None or previous is None:
        raise ValueError(f"{name}: nothing to roll back to (champion {current}, previous-champion {previous})")
    set_alias(name, "champion", previous)
    set_alias(name, "previous-champion", current)
    return current, previous
