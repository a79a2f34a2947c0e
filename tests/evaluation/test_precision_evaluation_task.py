"""The evaluation step measures the reduced-precision variants beside fp32, logs ``int8_*`` / ``bf16_*`` metrics to
a real MLflow store and stores the evidence and the policy in the model folder, where the registered pyfunc finds
them."""

from __future__ import annotations

import json
import shutil

import mlflow
import pytest
import torch

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.corpus.dataset_files import write_records
from longloop.registry.pyfunc_model import SERVING_PRECISION, LongloopPyfunc
from longloop.tasks.evaluation_tasks import evaluate_challenger
from longloop.tasks.stage_results import TrackingRun
from longloop.training.hardware import bf16_units
from longloop.training.quantization import choose_serving_precision


@pytest.mark.parametrize("quantize", ["auto", "off", "bf16"])
def test_challenger_evaluation_records_the_precision_comparisons(
    quantize, tiny_params, trained_model_dir, demo_records, mlflow_store, tmp_path
):
    params = tiny_params.model_copy(update={"serving": tiny_params.serving.model_copy(update={"quantize": quantize})})
    model_dir = shutil.copytree(trained_model_dir, tmp_path / "model")
    kept = write_records(tmp_path / "kept.jsonl", demo_records)
    with mlflow.start_run() as run:
        run_id = run.info.run_id
    run = TrackingRun(run_id, str(tmp_path / "run"), mlflow.get_tracking_uri())
    result = evaluate_challenger.fn(
        params.evaluation, params.serving, params.project.seed, str(model_dir), str(kept), run
    ).metrics
    stored = json.loads((model_dir / SERVING_PRECISION).read_text())
    assert stored["quantize"] == quantize and stored["max_int8_accuracy_drop"] == 0.01
    assert stored["min_bf16_agreement"] == 0.999
    logged = mlflow.get_run(run_id).data.metrics
    served = LongloopPyfunc().load_folder(model_dir)
    if quantize == "off":
        assert "int8" not in result and "int8_evaluation" not in stored and "bf16" not in result
        assert not any(k.startswith(("int8_", "bf16_")) for k in logged)
        assert served.precision == "fp32"
        return
    if quantize == "bf16":  # asked for by name: only bf16 is timed, and it is served whatever it measured
        assert "int8" not in result and stored["bf16_evaluation"] == result["bf16"]
        assert logged["bf16_agreement"] == pytest.approx(result["bf16"]["agreement"])
        assert served.precision == result["served_precision"]["precision"] == "bf16"
        assert {n for n, p in served.model.named_parameters() if p.dtype.is_floating_point} == {
            n for n, p in served.model.named_parameters() if p.dtype == torch.bfloat16
        }
        return
    # auto times bf16 only where the machine has bf16 units
    assert ("bf16" in result) == (bf16_units() is not None) == ("bf16_evaluation" in stored)
    assert result["served_precision"]["bf16_units"] == bf16_units()
    q = result["int8"]
    assert stored["int8_evaluation"] == q
    assert q["n_documents"] == result["n_documents"] and q["fp32"]["accuracy"] == pytest.approx(result["accuracy"])
    for key in (
        "int8_accuracy",
        "int8_macro_f1",
        "int8_accuracy_drop",
        "int8_speedup",
        "int8_agreement",
        "int8_seconds_per_1000_documents",
        "int8_fp32_seconds_per_1000_documents",
    ):
        assert key in logged, key
    assert logged["int8_accuracy_drop"] == pytest.approx(q["accuracy_drop"])
    expected = choose_serving_precision("auto", q, 0.01, result.get("bf16"), 0.999).precision
    assert result["served_precision"]["precision"] == served.precision == expected
    assert mlflow.get_run(run_id).data.tags["longloop.served_precision"] == expected
    # the drift reference holds the predictions of the variant that will be served
    reference = read_jsonl_complete(tmp_path / "run" / "reference.jsonl")
    test_texts = [r["text"] for r in reference]
    assert [r["prediction"] for r in reference] == served.predict_full(test_texts).labels
