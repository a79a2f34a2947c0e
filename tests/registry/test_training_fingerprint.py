"""The training fingerprint: what changes the model changes it, what does not leaves it; found by tag in MLflow."""

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.registry.model_registry import find_version_by_tag
from longloop.registry.training_fingerprint import FINGERPRINT_TAG, code_version, training_fingerprint


def _changed(params, section: str, **update):
    part = getattr(params, section).model_copy(update=update)
    return params.model_copy(update={section: part})


@pytest.mark.parametrize(
    "section,update",
    [
        ("model", {"hidden_size": 48}),
        ("training", {"epochs": 3}),
        ("training", {"learning_rate": 0.004}),
        ("evaluation", {"calibration_bins": 12}),
        ("governance", {"block_on_pii": False}),
        ("project", {"seed": 8}),
    ],
)
def test_a_param_that_shapes_the_model_changes_the_fingerprint(tiny_params, section, update):
    base = training_fingerprint(tiny_params, "a" * 32, "k" * 64)
    assert training_fingerprint(_changed(tiny_params, section, **update), "a" * 32, "k" * 64) != base


@pytest.mark.parametrize(
    "section,update",
    [
        ("monitoring", {"permutations": 999}),
        ("serving", {"port": 9999}),
        ("retraining", {"cooldown_minutes": 5.0}),
        ("project", {"lock_wait_seconds": 30.0}),
        ("services", {"mlflow_tracking_uri": "http://elsewhere:5000"}),
        ("training", {"checkpoint_every": 7}),
        ("registry", {"model_name": "another-name"}),
    ],
)
def test_a_param_that_does_not_shape_the_model_leaves_it(tiny_params, section, update):
    base = training_fingerprint(tiny_params, "a" * 32, "k" * 64)
    assert training_fingerprint(_changed(tiny_params, section, **update), "a" * 32, "k" * 64) == base


def test_data_and_code_are_part_of_it(tiny_params):
    base = training_fingerprint(tiny_params, "a" * 32, "k" * 64)
    assert training_fingerprint(tiny_params, "b" * 32, "k" * 64) != base  # another DVC snapshot
    assert training_fingerprint(tiny_params, "a" * 32, "j" * 64) != base  # another set of kept records
    assert len(code_version()) == 64 and code_version() != code_version(("training",))


def test_pretrained_weights_count_by_content_not_by_folder_name(tiny_params, tmp_path):
    folder = tmp_path / "pretrained"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    params = _changed(tiny_params, "model", pretrained_dir=str(folder))
    before = training_fingerprint(params, "a" * 32, "k" * 64)
    (folder / "config.json").write_text('{"hidden_size": 8}')
    assert training_fingerprint(params, "a" * 32, "k" * 64) != before


def test_the_registered_version_is_found_by_its_fingerprint_tag(mlflow_store):
    client = MlflowClient()
    assert find_version_by_tag("clf", FINGERPRINT_TAG, "f1") is None  # no registered model yet
    client.create_registered_model("clf")
    with mlflow.start_run() as run:
        pass
    for fingerprint in ("f1", "f2", "f1"):  # the third: a racing registration of the same training
        client.create_model_version(
            "clf", f"runs:/{run.info.run_id}/model", run.info.run_id, tags={FINGERPRINT_TAG: fingerprint}
        )
    found = find_version_by_tag("clf", FINGERPRINT_TAG, "f1")
    assert (found.version, found.run_id, found.model_uri) == ("1", run.info.run_id, "models:/clf/1")
    assert find_version_by_tag("clf", FINGERPRINT_TAG, "f2").version == "2"
    assert find_version_by_tag("clf", FINGERPRINT_TAG, "f3") is None
