"""Transient failures are retried with backoff by Prefect; permanent ones fail at once. Real Prefect flows (a
temporary server) and a real MLflow store on SQLite whose file another connection holds locked."""

import sqlite3
import threading
import time

import httpx
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from prefect import flow, task
from prefect.runtime import task_run as current_task_run

from longloop.tasks.retry_policy import TRANSIENT_RETRIES, is_transient


@pytest.mark.parametrize(
    "exc, transient",
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (httpx.ConnectError("All connection attempts failed"), True),
        (requests.exceptions.ConnectionError("Max retries exceeded with url: /api/2.0/mlflow/runs/create"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (
            MlflowException(
                "API request to http://127.0.0.1:5000/api/2.0/mlflow/runs/create failed with exception "
                "HTTPConnectionPool: Max retries exceeded"
            ),
            True,
        ),
        (ValueError("validation labels never seen in training: refund"), False),
        (MlflowException("Registered Model with name=x not found", error_code="RESOURCE_DOES_NOT_EXIST"), False),
        (FileNotFoundError("no such file"), False),
    ],
)
def test_what_counts_as_transient(exc, transient):
    assert is_transient(exc) is transient
    wrapped = RuntimeError("while registering")
    wrapped.__cause__ = exc
    assert is_transient(wrapped) is transient  # the cause decides, however deep


@pytest.mark.slow  # waits out MLflow's 20 s SQLite busy timeout
def test_a_locked_sqlite_store_is_retried_until_the_lock_goes(tmp_path):
    db = tmp_path / "mlflow.db"
    uri = f"sqlite:///{db}"
    MlflowClient(uri).search_experiments()  # the schema exists before anyone locks the file
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    # Longer than MLflow's own SQLite busy timeout (20 s), so the first attempt fails as "database is locked".
    threading.Timer(22.0, lambda: holder.execute("COMMIT")).start()

    @task(**TRANSIENT_RETRIES)
    def create_experiment() -> tuple[str, int]:
        return MlflowClient(uri).create_experiment("retried"), current_task_run.run_count

    @flow
    def registering() -> tuple[str, int]:
        return create_experiment()

    started = time.monotonic()
    experiment_id, attempts = registering()
    assert attempts >= 2 and time.monotonic() - started >= 22.0
    assert MlflowClient(uri).get_experiment(experiment_id).name == "retried"
    holder.close()


def test_a_permanent_failure_is_not_retried():
    attempts = []

    @task(**TRANSIENT_RETRIES)
    def bad_input() -> None:
        attempts.append(current_task_run.run_count)
        raise ValueError("labels never seen in training: refund")

    @flow
    def training() -> None:
        bad_input()

    started = time.monotonic()
    with pytest.raises(ValueError, match="never seen"):
        training()
    assert attempts == [1] and time.monotonic() - started < 30
