"""Which variant a registered model serves: the ``serving.quantize`` rule, and the pyfunc loaded through a real
MLflow store building the int8 variant from its safetensors weights when the stored evaluation allows it."""

from __future__ import annotations

import json
import shutil

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

from longloop.registry.infra_check import run_infra_check
from longloop.registry.model_registry import log_and_register
from longloop.registry.pyfunc_model import SERVING_PRECISION
from longloop.training.model_io import add_to_model_dir, load_model_dir
from longloop.training.quantization import choose_serving_precision

TEXTS = pd.DataFrame({"text": ["an invoice charged twice", "the site is down " * 60, "a third, plain document"]})


@pytest.mark.parametrize(
    "mode, drop, limit, expected",
    [
        ("auto", 0.0, 0.01, "int8"),
        ("auto", 0.01, 0.01, "int8"),
        ("auto", 0.9 - 0.89, 0.01, "int8"),  # 0.0100000000000000089: rounding noise is within the limit
        ("auto", 0.011, 0.01, "fp32"),
        ("auto", 0.05, 0.01, "fp32"),
        ("auto", -0.02, 0.0, "int8"),  # int8 was more accurate on the test split
        ("auto", None, 0.01, "fp32"),  # no evaluation registered: stay with what was measured
        ("off", 0.0, 0.01, "fp32"),
        ("int8", 0.5, 0.01, "int8"),
    ],
)
def test_auto_picks_int8_only_within_the_accuracy_limit(mode, drop, limit, expected):
    evaluation = None if drop is None else {"accuracy_drop": drop}
    choice = choose_serving_precision(mode, evaluation, limit)
    assert choice.precision == expected and choice.reason


@pytest.mark.parametrize(
    "mode, speedup, expected",
    [
        ("auto", 1.3, "int8"),
        ("auto", 1.0, "int8"),
        ("auto", 0.88, "fp32"),  # measured on the default 64-wide model: int8 is slower, so it is not served
        ("auto", float("nan"), "fp32"),
        ("int8", 0.5, "int8"),  # asked for explicitly
    ],
)
def test_auto_serves_int8_only_when_it_was_measured_no_slower(mode, speedup, expected):
    choice = choose_serving_precision(mode, {"accuracy_drop": 0.0, "speedup": speedup}, 0.01)
    assert choice.precision == expected
    if mode == "auto" and expected == "fp32":
        assert f"{speedup:.2f}x fp32's speed" in choice.reason


@pytest.mark.parametrize(
    "mode, limit, needle",
    [("fast", 0.01, "quantize must be one of"), ("auto", 1.5, "between 0 and 1"), ("auto", -0.1, "between 0 and 1")],
)
def test_bad_precision_settings_are_refused_in_one_line(mode, limit, needle):
    with pytest.raises(ValueError, match=needle) as err:
        choose_serving_precision(mode, {"accuracy_drop": 0.0}, limit)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "serving, needle",
    [
        ({"quantize": "fast"}, "serving.quantize"),
        ({"max_int8_accuracy_drop": 2}, "serving.max_int8_accuracy_drop"),
        ({"token_budget": 0}, "serving.token_budget"),
    ],
)
def test_bad_serving_precision_config_is_a_one_line_error_naming_the_key(serving, needle):
    from longloop.settings.params import ConfigError, parse_params

    with pytest.raises(ConfigError, match=needle) as err:
        parse_params({"serving": serving})
    assert "\n" not in str(err.value)


def _register_with_drop(trained_model_dir, tmp_path, drop: float, quantize: str = "auto") -> str:
    folder = tmp_path / f"model-{drop}"
    shutil.copytree(trained_model_dir, folder)
    policy = {"quantize": quantize, "max_int8_accuracy_drop": 0.01, "int8_evaluation": {"accuracy_drop": drop}}
    add_to_model_dir(folder, {SERVING_PRECISION: json.dumps(policy)})
    with mlflow.start_run():
        return log_and_register(folder, "clf", "example", load_model_dir(folder)[0].spec.labels, {}).model_uri


def test_registered_model_serves_int8_only_when_its_evaluation_allows(mlflow_store, trained_model_dir, tmp_path):
    within = _register_with_drop(trained_model_dir, tmp_path, 0.004)
    over = _register_with_drop(trained_model_dir, tmp_path, 0.03)

    ok, detail = run_infra_check(within, mlflow_store)  # a fresh process loads the variant the policy picks
    assert ok and json.loads(detail)["precision"] == "int8", detail

    int8 = mlflow.pyfunc.load_model(within).unwrap_python_model()
    fp32 = mlflow.pyfunc.load_model(over).unwrap_python_model()
    assert int8.precision == "int8" and "within the limit" in int8.precision_choice.reason
    assert fp32.precision == "fp32" and "over the limit" in fp32.precision_choice.reason
    assert any("quantized" in type(m).__module__ for m in int8.model.modules())

    int8_out, fp32_out = int8.predict(None, TEXTS), fp32.predict(None, TEXTS)
    assert (int8_out["label"] == fp32_out["label"]).mean() >= 2 / 3
    assert int8_out["n_tokens"].tolist() == fp32_out["n_tokens"].tolist()

    # the serving config overrides the stored policy: off goes back to the fp32 safetensors weights
    assert int8.use_precision("off").precision == "fp32" and int8.precision == "fp32"
    np.testing.assert_allclose(
        int8.predict(None, TEXTS).filter(like="p_").to_numpy(float),
        fp32_out.filter(like="p_").to_numpy(float),
        atol=1e-6,
    )
    assert fp32.use_precision(None, 0.05).precision == "int8"  # a looser limit admits the 0.03 drop
    with pytest.raises(ValueError, match="must be a number"):
        fp32.use_precision("auto", "a lot")


@pytest.mark.parametrize(
    "int8, bf16, expected, why",
    [
        ({"accuracy_drop": 0.0, "speedup": 1.4}, {"agreement": 1.0, "speedup": 2.1}, "bf16", "at 2.10x"),
        ({"accuracy_drop": 0.0, "speedup": 2.5}, {"agreement": 1.0, "speedup": 2.1}, "int8", "at 2.50x"),
        ({"accuracy_drop": 0.05, "speedup": 2.5}, {"agreement": 1.0, "speedup": 2.1}, "bf16", "agreed with fp32"),
        ({"accuracy_drop": 0.0, "speedup": 0.9}, {"agreement": 0.99, "speedup": 2.1}, "fp32", "under the minimum"),
        (None, {"agreement": 1.0, "speedup": 0.6}, "fp32", "bf16 ran at 0.60x"),  # emulated bf16: no bf16 units
        (None, None, "fp32", "no bf16 evaluation"),
        ({"accuracy_drop": 0.0}, {"agreement": 0.9995}, "int8", "lost 0.0000"),  # no speeds: int8 comes first
    ],
)
def test_auto_serves_the_fastest_variant_within_its_limit(int8, bf16, expected, why):
    choice = choose_serving_precision("auto", int8, 0.01, bf16, 0.999)
    assert choice.precision == expected and why in choice.reason, choice


def test_a_pyfunc_switches_between_fp32_bf16_and_int8_from_the_same_weights(mlflow_store, trained_model_dir):
    with mlflow.start_run():
        uri = log_and_register(
            trained_model_dir, "clf", "example", load_model_dir(trained_model_dir)[0].spec.labels, {}
        ).model_uri
    model = mlflow.pyfunc.load_model(uri).unwrap_python_model()
    fp32 = model.predict(None, TEXTS).filter(like="p_").to_numpy(float)
    for precision in ("bf16", "int8", "bf16", "fp32"):
        assert model.use_precision(precision).precision == precision == model.precision
        probabilities = model.predict(None, TEXTS).filter(like="p_").to_numpy(float)
        np.testing.assert_allclose(probabilities, fp32, atol=1e-6 if precision == "fp32" else 0.1)
    assert all(p.dtype == torch.float32 for p in model.model.parameters())


def test_model_without_an_int8_evaluation_serves_fp32_under_auto(mlflow_store, trained_model_dir):
    with mlflow.start_run():
        uri = log_and_register(
            trained_model_dir, "clf", "example", load_model_dir(trained_model_dir)[0].spec.labels, {}
        ).model_uri
    model = mlflow.pyfunc.load_model(uri).unwrap_python_model()
    assert model.precision == "fp32" and "no int8 evaluation" in model.precision_choice.reason
    assert model.use_precision("int8").precision == "int8"


def test_model_card_reports_the_int8_variant_beside_fp32():
    from longloop.registry.model_card import model_card_markdown

    metrics = {
        "accuracy": 0.98,
        "macro_f1": 0.97,
        "ece": 0.01,
        "ece_uncalibrated": 0.03,
        "temperature": 1.2,
        "by_length": {},
        "int8": {
            "fp32": {"accuracy": 0.98, "macro_f1": 0.97, "seconds_per_1000_documents": 30.0},
            "int8": {"accuracy": 0.975, "macro_f1": 0.965, "seconds_per_1000_documents": 20.0},
            "speedup": 1.5,
            "agreement": 0.995,
        },
        "bf16": {
            "fp32": {"accuracy": 0.98, "macro_f1": 0.97, "seconds_per_1000_documents": 30.0},
            "bf16": {"accuracy": 0.98, "macro_f1": 0.97, "seconds_per_1000_documents": 25.0},
            "speedup": 1.2,
            "agreement": 1.0,
        },
        "served_precision": {"precision": "int8", "reason": "auto: int8 lost 0.0050 test accuracy"},
    }
    card = model_card_markdown("m", ("a", "b"), {}, {}, metrics)
    assert "accuracy 0.9750 (fp32 0.9800)" in card and "1.50x fp32's speed" in card
    assert "99.5% of labels agree" in card and "1.20x fp32's speed" in card
    assert "Served in int8 (auto: int8 lost 0.0050 test accuracy)" in card
    without = {k: v for k, v in metrics.items() if k not in ("int8", "bf16", "served_precision")}
    assert "int8" not in model_card_markdown("m", ("a", "b"), {}, {}, without)
