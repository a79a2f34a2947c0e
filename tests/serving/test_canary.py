"""A canary rollout on a real loopback server over a real MLflow store: the clients are split, sticky, between
the new champion and the previous one; every request of the rollout is in the canary log; a canary that fails
is rolled back by the canary watch through the ledger (the reason in ``longloop status``) while its clients are
still answered, and a healthy one completes and takes all the traffic."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import mlflow
import pytest
import torch
import yaml

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.flows.canary_watch import canary_watch
from longloop.registry.model_registry import alias_version, log_and_register, set_alias
from longloop.registry.promotion_ledger import read_ledger
from longloop.registry.rollout_state import champion_rollout, start_rollout, version_rollout
from longloop.serving.canary import canary_log_for
from longloop.settings.params import ServingParams, parse_params
from longloop.settings.state_paths import StatePaths
from longloop.training.model_io import load_model_dir, save_model_dir

CLIENTS = [f"client-{i}" for i in range(24)]


@pytest.fixture(scope="module", autouse=True)
def prefect_server():
    """A temporary Prefect server for the canary-watch flow, stopped with this module (not at interpreter exit,
    when the log stream is already closed)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


SP = ServingParams(refresh_seconds=0.3, rate_limit_per_second=None)


@pytest.fixture
def canary_params(registered_champion, tmp_path):
    raw = {
        "registry": {"model_name": "clf", "canary": {"share": 0.5, "min_documents": 8}},
        "services": {"mlflow_tracking_uri": registered_champion},
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    params = parse_params(raw, root=tmp_path)
    StatePaths.from_params(params).ensure()
    return params


@pytest.fixture
def broken_version(registered_champion, trained_model_dir, tmp_path) -> str:
    """A third version whose classifier head holds NaN: every answer it gives is not a number."""
    model, tok = load_model_dir(trained_model_dir)
    with torch.no_grad():
        model.head.weight.fill_(float("nan"))
    folder = save_model_dir(model, tok, tmp_path / "broken-model")
    with mlflow.start_run():
        return log_and_register(folder, "clf", "example", model.spec.labels, {}).version


def _wait_until(check, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def _ask(url: str, client: str, i: int) -> httpx.Response:
    doc = {"id": f"{client}-{i}", "text": f"my invoice was charged twice, request {i} " * 8}
    return httpx.post(f"{url}/predict", json={"documents": [doc]}, headers={"X-Client-Id": client}, timeout=60)


def _roll_out(canary_version: str, stable: str = "1") -> None:
    set_alias("clf", "champion", canary_version)
    set_alias("clf", "previous-champion", stable)
    start_rollout("clf", canary_version, stable, 0.5)


def _serve_rollout(start_app, params):
    url, _, log = start_app(SP, inference_log=StatePaths.from_params(params).inference_log)
    _wait_until(lambda: (httpx.get(f"{url}/ready").json()["canary"] or {}).get("stable_loaded"))
    return url, log


def test_a_healthy_canary_answers_its_share_of_clients_and_completes(start_app, canary_params):
    _roll_out("2")
    url, log = _serve_rollout(start_app, canary_params)

    served = {c: {_ask(url, c, i).json()["model_version"] for i in range(2)} for c in CLIENTS}
    assert all(len(versions) == 1 for versions in served.values())  # sticky: a client stays on one side
    sides = [v.pop() for v in served.values()]
    assert set(sides) == {"1", "2"}  # 24 clients at 50%: both sides answered some

    calls = read_jsonl_complete(canary_log_for(log))
    assert len(calls) == 2 * len(CLIENTS) and all(c["ok"] for c in calls)
    assert {(c["arm"], c["version"]) for c in calls} == {("canary", "2"), ("stable", "1")}

    check = canary_watch(canary_params)
    assert check.verdict.action == "complete", check.verdict.reason
    assert check.evidence.canary.documents == 2 * sides.count("2")
    assert version_rollout("clf", "2").state == "complete" and alias_version("clf", "champion") == "2"
    assert read_ledger(StatePaths.from_params(canary_params).ledger)[-1]["action"] == "rollout-complete"

    _wait_until(lambda: httpx.get(f"{url}/ready").json()["canary"] is None)
    assert {_ask(url, c, 9).json()["model_version"] for c in CLIENTS} == {"2"}  # the rollout is over


def test_a_failing_canary_is_rolled_back_with_the_reason_in_the_ledger_and_status(
    start_app, canary_params, broken_version
):
    _roll_out(broken_version)
    url, log = _serve_rollout(start_app, canary_params)

    answers = [_ask(url, c, 0) for c in CLIENTS]
    assert [r.status_code for r in answers] == [200] * len(CLIENTS)  # the previous champion answered instead
    assert {r.json()["model_version"] for r in answers} == {"1"}
    failed = [c for c in read_jsonl_complete(canary_log_for(log)) if not c["ok"]]
    assert failed and {c["version"] for c in failed} == {broken_version}
    assert "non-finite probabilities" in failed[0]["error"]
    assert canary_watch(canary_params).verdict is not None  # below min_documents, the failures already decide

    assert alias_version("clf", "champion") == "1" and alias_version("clf", "previous-champion") == broken_version
    assert version_rollout("clf", broken_version).state == "rolled-back" and champion_rollout("clf") is None
    entry = read_ledger(StatePaths.from_params(canary_params).ledger)[-1]
    assert entry["action"] == "rollback" and f"canary v{broken_version} failed" in entry["reason"]
    assert entry["metrics"]["canary"]["canary"]["failed"] == len(failed)

    status = subprocess.run(
        [sys.executable, "-m", "longloop", "status", "--config", "params.yaml"],
        cwd=canary_params.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert f"rollback v{broken_version} -> v1: canary v{broken_version} failed" in status.stdout

    _wait_until(lambda: httpx.get(f"{url}/ready").json()["canary"] is None)
    assert {_ask(url, c, 1).json()["model_version"] for c in CLIENTS} == {"1"}


def test_a_champion_that_fails_outside_a_canary_answers_500_in_one_line(start_app, broken_version):
    set_alias("clf", "champion", broken_version)
    url, _, _ = start_app(SP)
    r = _ask(url, "anyone", 0)
    assert r.status_code == 500
    assert r.json() == {
        "error": f"model call failed: version {broken_version} gave non-finite probabilities for 1 of 1 documents"
    }
    assert json.loads(r.text)  # a body, not a traceback
