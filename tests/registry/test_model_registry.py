"""Against a real MLflow store on SQLite: pyfunc logging without pickle, registration, aliases, loading."""

import mlflow
import pandas as pd
import pytest

from longloop.registry.infra_check import run_infra_check
from longloop.registry.model_registry import (
    alias_version,
    download_model_dir,
    log_and_register,
    rollback_champion,
    set_alias,
    version_tags,
)
from longloop.training.model_io import load_model_dir


@pytest.fixture
def registered(mlflow_store, trained_model_dir):
    labels = load_model_dir(trained_model_dir)[0].spec.labels
    versions = []
    for _ in range(2):
        with mlflow.start_run():
            versions.append(log_and_register(trained_model_dir, "clf", "some example text", labels, {"dvc_md5": "abc"}))
    return versions


def test_register_and_load_through_an_alias(registered, tmp_path):
    set_alias("clf", "champion", registered[0].version)
    assert alias_version("clf", "champion") == "1"
    assert version_tags("clf", "1")["dvc_md5"] == "abc"
    model = mlflow.pyfunc.load_model("models:/clf@champion")
    out = model.predict(pd.DataFrame({"text": ["first document", "second one"]}))
    assert list(out.columns[:3]) == ["label", "confidence", "n_tokens"] and len(out) == 2
    folder = download_model_dir("clf", "1", tmp_path)
    assert (folder / "model.safetensors").is_file()
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))


def test_rollback_swaps_champion_and_previous(registered):
    set_alias("clf", "champion", "2")
    set_alias("clf", "previous-champion", "1")
    assert rollback_champion("clf") == ("2", "1")
    assert alias_version("clf", "champion") == "1" and alias_version("clf", "previous-champion") == "2"


def test_infra_check_loads_in_a_fresh_process(registered, mlflow_store):
    ok, detail = run_infra_check("models:/clf/1", mlflow_store)
    assert ok, detail
    bad, why = run_infra_check("models:/clf/99", mlflow_store)
    assert not bad and why
