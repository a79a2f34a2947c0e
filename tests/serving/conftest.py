"""The serving app on a real loopback uvicorn server over a real MLflow store holding the tiny trained model."""

import threading
import time

import httpx
import mlflow
import pytest
import uvicorn

from longloop.registry.model_registry import log_and_register, set_alias
from longloop.serving.app import create_app
from longloop.serving.cpu_workers import plan_workers, usable_cores
from longloop.serving.server import free_port, serving_sources
from longloop.training.model_io import load_model_dir


@pytest.fixture
def registered_champion(mlflow_store, trained_model_dir):
    """Two registered versions of the tiny model, version 1 as ``champion``; yields the tracking URI."""
    labels = load_model_dir(trained_model_dir)[0].spec.labels
    for _ in range(2):
        with mlflow.start_run():
            log_and_register(trained_model_dir, "clf", "example", labels, {})
    set_alias("clf", "champion", "1")
    return mlflow_store


@pytest.fixture
def start_app(registered_champion, tmp_path):
    """``start_app(sp, auth_token=None, inference_log=None) -> (url, app, inference_log)``; servers stop at the end
    of the test."""
    servers = []

    def start(sp, auth_token=None, inference_log=None):
        log = inference_log or tmp_path / f"inference-{len(servers)}.jsonl"
        sources = serving_sources(registered_champion, "clf", log, sp)
        # as many model workers as `longloop serve` would run on 2 cores (torch's threads are left alone here)
        workers = plan_workers(sp.model_workers, min(2, usable_cores())).workers
        app = create_app(
            sources.champion,
            sp,
            log,
            auth_token=auth_token,
            model_workers=workers,
            shadow=sources.shadow,
            canary=sources.canary,
        )
        port = free_port()
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        servers.append((srv, thread))
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("serving app not ready within 60 s")
        return url, app, log

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(10)
