"""Secrets and personal data planted in training records, in a serving request and in the environment never
reach the MLflow store, the logs, Prefect's database or the inference log unredacted.

Real components throughout: an MLflow tracking server on loopback reached through a URL with a password,
``longloop run`` (Prefect, DVC, the gate, training, registration, serving, drift) and ``longloop serve``.
"""

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from longloop.serving.server import free_port
from tests.cli_runner import cli_env, run_cli

API_KEY = "sk-" + "Zq81PLmT4vXw29KfHs7dNc3Bu6Ry0aGe"
KEY_BODY = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
KEY_BLOCK = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----"
EMAIL = "leaky.person@example.org"
CARD = "4111 1111 1111 1111"
PASSWORD = "tr4cking-S3cret-pw"
SERVING_TOKEN = "serving-" + secrets.token_hex(16)
PLANTED = f" Contact {EMAIL} or pay with {CARD}; the key {API_KEY} and\n{KEY_BLOCK}\nleaked here."
pytestmark = pytest.mark.slow  # a full run against an MLflow server: about 3 minutes on 2 cores

RAW_VALUES = (API_KEY, KEY_BODY, EMAIL, CARD, PASSWORD, SERVING_TOKEN)
# Files that hold the user's own dataset as given (raw by design; the gate decides what moves on).
RAW_DATA = ("data/dataset.jsonl", "dvc-cache", "dvc-remote")


def _wait_until_up(url: str, proc: subprocess.Popen, output, timeout: float = 180) -> None:
    """Until ``url`` answers 200; fails with the process's ``output()`` if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, output()
        time.sleep(0.5)
    raise AssertionError(f"{url} not up within {timeout:.0f} s")


@pytest.fixture
def mlflow_server(tmp_path):
    """An MLflow tracking server on loopback (it accepts any credentials; the point is that they are sent
    the way the client reads them, not in the URL)."""
    store = tmp_path / "mlflow-server"
    store.mkdir()
    port = free_port()
    with open(store / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mlflow",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--backend-store-uri",
                f"sqlite:///{store / 'mlflow.db'}",
                "--artifacts-destination",
                str(store / "artifacts"),
                "--workers",
                "1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", proc, lambda: (store / "server.log").read_text()[-2000:])
        yield port, store
    finally:
        proc.terminate()
        proc.wait(30)


def _configure(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["governance"] = {"block_on_pii": False}  # let the planted records through, to see them masked
    params["training"] = {**params["training"], "epochs": 1}
    params["monitoring"] = {**params["monitoring"], "window_size": 20, "production_documents": 20}
    params["retraining"] = {"enabled": False}
    # A loaded 2-core machine may need more than the tiny config's two minutes to load the served model.
    params["serving"] = {**params["serving"], "auth_token_env": "LONGLOOP_SERVING_TOKEN", "ready_timeout_seconds": 300}
    (project / "params.yaml").write_text(yaml.safe_dump(params))


def _plant(project: Path) -> None:
    made = run_cli(project, "demo-data", "--out", "base.jsonl", "--n", "100")
    assert made.code == 0, made.stderr
    rows = [json.loads(line) for line in (project / "base.jsonl").read_text().split("\n") if line]
    for row in rows[:3]:  # the first kept record becomes the registered model's input example
        # In train: the same sentence in a held-out record as well would be contamination, and block the run.
        row.update(text=PLANTED + " " + row["text"], split="train")  # first: the example keeps 2,000 characters
    rows[3]["source"] = f"export by {EMAIL}"  # free text that reaches the dataset card
    (project / "planted.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _serve_one_request(project: Path, env: dict) -> str:
    """``longloop serve`` answers one request holding the planted values; returns what the process printed."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "longloop", "serve", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/ready", proc, proc.stdout.read)
        body = {"documents": [{"id": "request-1", "text": "Customer writes:" + PLANTED}]}
        wrong = httpx.post(
            f"http://127.0.0.1:{port}/predict",
            json=body,
            timeout=60,
            headers={"Authorization": f"Bearer {SERVING_TOKEN}x"},
        )
        assert wrong.status_code == 401
        ok = httpx.post(
            f"http://127.0.0.1:{port}/predict",
            json=body,
            timeout=60,
            headers={"Authorization": f"Bearer {SERVING_TOKEN}"},
        )
        assert ok.status_code == 200, ok.text
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    return output


def _files(folder: Path, skip: tuple[str, ...] = ()):
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not any(rel == s or rel.startswith(s + "/") for s in skip):
            yield rel, path.read_bytes()


def _leaks(named_texts) -> list[str]:
    return [
        f"{name}: {raw!r}"
        for name, data in named_texts
        for raw in RAW_VALUES
        if raw.encode() in (data if isinstance(data, bytes) else data.encode())
    ]


def test_planted_secrets_are_redacted_everywhere_they_could_be_recorded(project, mlflow_server):
    port, server_store = mlflow_server
    _configure(project)
    _plant(project)
    env = {
        "MLFLOW_TRACKING_URI": f"http://pipeline:{PASSWORD}@127.0.0.1:{port}",
        "LONGLOOP_SERVING_TOKEN": SERVING_TOKEN,
    }
    res = run_cli(project, "run", "--data", "planted.jsonl", "--json", extra_env=env)
    assert res.code == 0, res.stderr[-3000:]
    assert res.json["governance"]["checks"]["pii"]["violations"] == 3
    served = _serve_one_request(project, cli_env(project, env))

    state = project / ".longloop"
    leaks = _leaks([("run stdout", res.stdout), ("run stderr", res.stderr), ("serve output", served)])
    leaks += _leaks((f".longloop/{rel}", data) for rel, data in _files(state, RAW_DATA))  # Prefect's DB included
    leaks += _leaks((f"mlflow server/{rel}", data) for rel, data in _files(server_store, ("server.log",)))
    assert not leaks, "\n".join(leaks)

    # Redacted, not dropped: the markers are where the values were.
    example = next(data for rel, data in _files(server_store / "artifacts") if rel.endswith("input_example.json"))
    card = next(data for rel, data in _files(server_store / "artifacts") if rel.endswith("dataset_card.json"))
    log = (state / "inference" / "requests.jsonl").read_text()
    for text in (example.decode(), log):
        assert all(m in text for m in ("[EMAIL]", "[PAYMENT_CARD]", "[API_KEY]", "[PRIVATE_KEY]")), text[:3000]
    assert b"export by [EMAIL]" in card
    # The MLflow server was reached with the credentials (runs and a registered version are there).
    assert res.json["registry"]["version"] == "1"
