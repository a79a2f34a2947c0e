"""Credentials in service URLs move to the variables the clients read, so the URLs travel without them."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, logging, os, sys
from longloop.environment import load_config
params = load_config("params.yaml")
logging.getLogger("probe").warning("connecting to %s", os.environ["ORIGINAL_URI"])
print(json.dumps({"params_uri": params.services.mlflow_tracking_uri, "prefect_url": params.services.prefect_api_url,
                  "env": {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME",
                          "MLFLOW_TRACKING_PASSWORD", "PREFECT_API_URL", "PREFECT_API_AUTH_STRING")}}))
"""


def test_tracking_and_prefect_credentials_leave_the_urls(project):
    uri = "http://alice:s3cret-pass%21@127.0.0.1:5999/mlflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_"))}
    env.update(
        MLFLOW_TRACKING_URI=uri,
        ORIGINAL_URI=uri,
        PREFECT_API_URL="http://bob:pr3fect-pass@127.0.0.1:5998/api",
        PYTHONPATH=str(ROOT),
        HOME=str(project / "home"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["params_uri"] == "http://127.0.0.1:5999/mlflow" and out["prefect_url"] == "http://127.0.0.1:5998/api"
    assert out["env"] == {
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:5999/mlflow",
        "MLFLOW_TRACKING_USERNAME": "alice",
        "MLFLOW_TRACKING_PASSWORD": "s3cret-pass!",
        "PREFECT_API_URL": "http://127.0.0.1:5998/api",
        "PREFECT_API_AUTH_STRING": "bob:pr3fect-pass",
    }
    # The password was registered as a secret (decoded and as written in the URL): a log line quoting the URL
    # does not show it.
    assert "s3cret-pass" not in proc.stderr and "connecting to http://" in proc.stderr
