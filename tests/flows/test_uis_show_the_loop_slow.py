"""After `longloop run`, the Prefect, MLflow and Evidently UIs started as the README says show the loop."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from longloop.serving.server import free_port
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _wait(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=3).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not come up")


@pytest.mark.slow
def test_prefect_mlflow_and_evidently_uis_show_the_run(project):
    res = run_cli(project, "run", "--json")
    assert res.code == 0, res.stderr[-2000:]
    ports = {"PREFECT_PORT": free_port(), "MLFLOW_PORT": free_port(), "EVIDENTLY_PORT": free_port()}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_"))},
        **{k: str(v) for k, v in ports.items()},
        "LONGLOOP_STATE": str(project / ".longloop"),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    proc = subprocess.Popen(
        ["bash", str(ROOT / "infra" / "local" / "start-uis.sh")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        prefect = f"http://127.0.0.1:{ports['PREFECT_PORT']}/api"
        mlflow = f"http://127.0.0.1:{ports['MLFLOW_PORT']}"
        evidently = f"http://127.0.0.1:{ports['EVIDENTLY_PORT']}"
        for url in (f"{prefect}/health", f"{mlflow}/health", f"{evidently}/api/projects"):
            _wait(url)
        # The page calls the API the server tells it: on another port than 4200, that port's.
        ui_settings = httpx.get(f"http://127.0.0.1:{ports['PREFECT_PORT']}/ui-settings").json()
        assert ui_settings["api_url"] == prefect
        flows = httpx.post(f"{prefect}/flows/filter", json={}).json()
        names = {f["name"] for f in flows}
        assert {"longloop-pipeline", "longloop-training-cycle", "longloop-drift-check", "longloop-retraining"} <= names
        runs = httpx.post(f"{prefect}/flow_runs/filter", json={}).json()
        assert runs and all(r["state_type"] == "COMPLETED" for r in runs)
        alias = httpx.get(
            f"{mlflow}/api/2.0/mlflow/registered-models/alias",
            params={"name": "longloop-classifier", "alias": "champion"},
        ).json()
        assert alias["model_version"]["version"] in ("1", "2")
        projects = httpx.get(f"{evidently}/api/projects").json()
        assert any(p["name"] == "longloop drift" for p in projects)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
