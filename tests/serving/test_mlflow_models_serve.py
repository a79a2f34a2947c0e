"""The registered pyfunc served by MLflow's own scoring server (``mlflow models serve``), over loopback HTTP.

The server runs as its own process from the venv (``--env-manager local``: no new environment, no network)
and must answer ``/invocations`` exactly as the model loaded in this process does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import mlflow
import numpy as np
import pandas as pd

from longloop.serving.deployment import Deployment, wait_until_answering
from longloop.serving.server import free_port

TEXTS = [
    "a short note about an invoice that was charged twice",
    "the service went down again this morning and nothing loads " * 40,
    "third document, with a second sentence. and a third.",
]


def _start_mlflow_models_serve(tracking_uri: str, model_uri: str, log_path: Path) -> Deployment:
    bin_dir = Path(sys.executable).parent
    port = free_port()
    # `mlflow models serve` execs `uvicorn` from the PATH, so the venv's bin must come first.
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": tracking_uri,
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                str(bin_dir / "mlflow"),
                "models",
                "serve",
                "-m",
                model_uri,
                "--env-manager",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=log_path.parent,
            start_new_session=True,
        )
    return Deployment(url=f"http://127.0.0.1:{port}", pid=proc.pid, log_path=str(log_path), process=proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the uvicorn it execs and any workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


def test_mlflow_models_serve_answers_like_the_in_process_pyfunc(registered_champion, tmp_path):
    log_path = tmp_path / "mlflow-models-serve.log"
    dep = _start_mlflow_models_serve(registered_champion, "models:/clf@champion", log_path)
    url = dep.url
    try:
        try:
            wait_until_answering(dep, "/ping", 120, "mlflow models serve")
        except RuntimeError as exc:
            raise AssertionError(f"{exc}:\n{log_path.read_text()[-2000:]}") from None
        frame = pd.DataFrame({"text": TEXTS})
        r = httpx.post(
            f"{url}/invocations", json={"dataframe_split": frame.to_dict(orient="split", index=False)}, timeout=60
        )
        assert r.status_code == 200, r.text
        served = pd.DataFrame(r.json()["predictions"])
        local = mlflow.pyfunc.load_model("models:/clf@champion").predict(frame)
        assert list(served.columns) == list(local.columns)
        assert served["label"].tolist() == local["label"].tolist()
        assert served["n_tokens"].tolist() == local["n_tokens"].tolist()
        probabilities = [c for c in local.columns if c.startswith("p_")]
        np.testing.assert_allclose(
            served[probabilities].to_numpy(float), local[probabilities].to_numpy(float), atol=1e-5
        )

        wrong = httpx.post(
            f"{url}/invocations", json={"dataframe_split": {"columns": ["body"], "data": [["x"]]}}, timeout=30
        )
        assert 400 <= wrong.status_code < 500 and "text" in wrong.text  # the signature names the missing column
    finally:
        _stop(dep.process)
