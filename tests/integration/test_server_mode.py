"""Server mode against real servers: PostgreSQL, a Prefect server and worker, an MLflow server (proxied artifacts).

Run by `.ci/integration-servers`, which starts the stack (infra/local/server-stack.sh) and exports
PREFECT_API_URL and MLFLOW_TRACKING_URI. The project is a copy of this checkout with the tiny params.yaml the
embedded end-to-end test uses: server mode differs from it only by those two service locations.
The pipeline runs through its deployment on a process worker; the drift it finds must start the
drift-triggered retraining deployment through the Prefect event trigger, with nothing calling it directly.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "tiny_params.yaml"
MODEL = "longloop-classifier"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _services() -> tuple[str, str]:
    prefect, mlflow_uri = os.environ.get("PREFECT_API_URL"), os.environ.get("MLFLOW_TRACKING_URI")
    if not (prefect and mlflow_uri and mlflow_uri.startswith("http") and os.environ.get("LONGLOOP_STACK_PG")):
        pytest.fail(
            "server-mode tests need the variables infra/local/server-stack.sh exports: run .ci/integration-servers"
        )
    return prefect, mlflow_uri


@pytest.fixture(scope="module")
def server_project(tmp_path_factory) -> Path:
    """A user's clone: the tracked files of this checkout in a git repo, with the tiny params.yaml."""
    project = tmp_path_factory.mktemp("server-project")
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, project / rel)
    shutil.copy(TINY, project / "params.yaml")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    return project


def _env(project: Path) -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PWD": str(project),
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PREFECT_HOME": str(project / ".prefect-client"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def _prefect(project: Path, *args: str, timeout: float = 600) -> str:
    res = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), "--no-prompt", *args],
        cwd=project,
        env=_env(project),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, f"prefect {' '.join(args)} failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return res.stdout


def _flow_runs(api: str, deployment_id: str) -> list[dict]:
    body = {"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC"}
    return httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).raise_for_status().json()


def _wait_for_final_run(api: str, deployment_id: str, timeout: float, worker_log: Path) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [r for r in _flow_runs(api, deployment_id) if r["state_type"] != "SCHEDULED"]
        if runs and runs[-1]["state_type"] in FINAL:
            return runs[-1]
        time.sleep(5)
    pytest.fail(
        f"no finished run of deployment {deployment_id} within {timeout:.0f} s; worker log ends:\n"
        + worker_log.read_text()[-3000:]
    )


def test_pipeline_and_drift_triggered_retraining_through_deployments(server_project):
    api, mlflow_uri = _services()
    project = server_project
    _prefect(project, "work-pool", "create", "longloop-process", "--type", "process", "--overwrite")
    _prefect(project, "deploy", "--all")
    deployments = {
        f"{d['name']}": d
        for d in httpx.post(f"{api}/deployments/filter", json={}, timeout=30).raise_for_status().json()
    }
    assert {"pipeline", "drift-job", "scheduled-retraining", "drift-triggered-retraining"} <= set(deployments)
    assert deployments["drift-triggered-retraining"]["parameters"]["trigger"] == "drift-event"

    worker_log = project / "worker.log"
    with worker_log.open("w") as log:
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", "longloop-process"],
            cwd=project,
            env=_env(project),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _prefect(project, "deployment", "run", "longloop-pipeline-job/pipeline")
        pipeline_run = _wait_for_final_run(api, deployments["pipeline"]["id"], 1200, worker_log)
        assert pipeline_run["state_type"] == "COMPLETED", worker_log.read_text()[-3000:]
        # Nobody runs retraining directly: the drift event has to reach the deployment trigger.
        retrain_run = _wait_for_final_run(api, deployments["drift-triggered-retraining"]["id"], 900, worker_log)
        assert retrain_run["state_type"] == "COMPLETED", worker_log.read_text()[-3000:]
        assert retrain_run["parameters"]["trigger"] == "drift-event"
        # Batch scoring through its deployment, with the parameters prefect.yaml gives it.
        to_score = project / "data" / "to-score.jsonl"
        to_score.parent.mkdir(exist_ok=True)
        to_score.write_text(
            "".join(json.dumps({"id": f"s{i}", "text": f"document {i} to score"}) + "\n" for i in range(30))
        )
        _prefect(project, "deployment", "run", "longloop-scoring-job/batch-scoring")
        scoring_run = _wait_for_final_run(api, deployments["batch-scoring"]["id"], 600, worker_log)
        assert scoring_run["state_type"] == "COMPLETED", worker_log.read_text()[-3000:]
        scores = [json.loads(line) for line in (project / "data" / "scores.jsonl").read_text().splitlines()]
        assert [r["id"] for r in scores] == [f"s{i}" for i in range(30)]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)

    # Prefect's own client agrees with its REST API on the states, and saw the drift and request events.
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(
                id=DeploymentFilterId(
                    any_=[deployments["pipeline"]["id"], deployments["drift-triggered-retraining"]["id"]]
                )
            )
        )
        assert {r.state.type.value for r in runs} == {"COMPLETED"}
    events = (
        httpx.post(f"{api}/events/filter", json={"filter": {"event": {"prefix": ["longloop."]}}}, timeout=30)
        .raise_for_status()
        .json()["events"]
    )
    assert {"longloop.drift.detected", "longloop.retraining.requested"} <= {e["event"] for e in events}

    # The MLflow server holds both versions; artifacts went through its proxy, not into the project.
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_uri)
    versions = client.search_model_versions(f"name='{MODEL}'")
    assert len(versions) == 2, [v.version for v in versions]
    assert all(v.tags.get("dvc_md5") for v in versions)
    assert all(v.source.startswith(("models:/", "mlflow-artifacts:")) for v in versions)
    model = (
        httpx.get(f"{mlflow_uri}/api/2.0/mlflow/registered-models/get", params={"name": MODEL}, timeout=30)
        .raise_for_status()
        .json()["registered_model"]
    )
    aliases = {a["alias"]: a["version"] for a in model.get("aliases", [])}
    assert "champion" in aliases and aliases["champion"] == client.get_model_version_by_alias(MODEL, "champion").version
    embedded = project / ".longloop" / "mlflow"
    assert not [p for p in embedded.rglob("*") if p.is_file()], "server mode must not write the embedded store"

    # And PostgreSQL is where both servers keep it.
    import psycopg2

    pg = os.environ["LONGLOOP_STACK_PG"]
    with psycopg2.connect(f"{pg}/mlflow") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM model_versions WHERE name = %s", (MODEL,))
        assert cur.fetchone()[0] == 2
    with psycopg2.connect(f"{pg}/prefect") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM flow_run WHERE state_type = 'COMPLETED'")
        assert cur.fetchone()[0] >= 2

    import mlflow.pyfunc
    import pandas as pd

    mlflow.set_tracking_uri(mlflow_uri)
    served = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
    out = served.predict(pd.DataFrame({"text": ["a short document", "another one"]}))
    assert len(out) == 2

    status = subprocess.run(
        [sys.executable, "-m", "longloop", "status", "--json"],
        cwd=project,
        env=_env(project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert status.returncode == 0, status.stderr[-2000:]
    assert '"started": true' in status.stdout
