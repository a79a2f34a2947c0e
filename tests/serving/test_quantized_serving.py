"""The serving app follows ``serving.quantize``: each variant answers like the same variant of the pyfunc in this
process."""

from __future__ import annotations

import httpx
import mlflow
import pandas as pd
import pytest

from longloop.settings.params import ServingParams

TEXTS = ["an invoice charged twice", "the site is down again " * 50, "a third, plain document"]


@pytest.mark.parametrize("quantize, precision", [("int8", "int8"), ("bf16", "bf16"), ("auto", "fp32")])
def test_app_serves_the_configured_precision(start_app, quantize, precision):
    url, _, _ = start_app(ServingParams(quantize=quantize, refresh_seconds=0.3, rate_limit_per_second=None))
    assert httpx.get(f"{url}/ready").json()["precision"] == precision  # auto: no int8 evaluation was registered
    r = httpx.post(f"{url}/predict", json={"documents": [{"text": t} for t in TEXTS]}, timeout=60)
    assert r.status_code == 200
    local = mlflow.pyfunc.load_model("models:/clf@champion").unwrap_python_model()
    local.use_precision(quantize)
    expected = local.predict(None, pd.DataFrame({"text": TEXTS}))
    served = r.json()["predictions"]
    assert [p["label"] for p in served] == expected["label"].tolist()
    for p, (_, row) in zip(served, expected.iterrows()):
        assert all(abs(p["probabilities"][l] - row[f"p_{l}"]) < 1e-5 for l in local.labels)
