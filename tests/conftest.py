"""Shared fixtures: a tiny config, a tiny trained model, and a real MLflow store on SQLite."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# Measurements cached per machine (training/precision_probe.py) stay inside this test session.
os.environ.setdefault("LONGLOOP_CACHE_DIR", tempfile.mkdtemp(prefix="longloop-test-cache-"))

TINY = Path(__file__).with_name("tiny_params.yaml")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh project folder holding the tiny params.yaml."""
    shutil.copy(TINY, tmp_path / "params.yaml")
    return tmp_path


@pytest.fixture(scope="session")
def tiny_params():
    from longloop.settings.params import load_params

    return load_params(TINY)


@pytest.fixture(scope="session")
def demo_records():
    from longloop.corpus.demo_corpus import generate_corpus
    from longloop.corpus.records import record_from_mapping
    from longloop.corpus.splits import assign_splits

    rows = generate_corpus(160, seed=7, median_tokens=150, length_sigma=0.9, max_tokens=3000)
    return assign_splits([record_from_mapping(r, "demo", 10**6) for r in rows], 0.15, 0.15, 7)


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, tiny_params, demo_records):
    """A tiny model trained once for the whole session and saved as a model folder."""
    from longloop.corpus.splits import by_split
    from longloop.training.fit import fit_classifier
    from longloop.training.model_io import TRAINING_RESULT, save_model_dir

    work = tmp_path_factory.mktemp("trained")
    splits = by_split(demo_records)
    model, tok, result = fit_classifier(
        splits["train"],
        splits["validation"],
        tiny_params.model,
        tiny_params.training,
        7,
        work / "training",
        progress=False,
    )
    return save_model_dir(model, tok, work / "model", {TRAINING_RESULT: result.to_dict()})


@pytest.fixture
def mlflow_store(tmp_path: Path):
    import mlflow

    from longloop.registry.tracking import configure_tracking

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    configure_tracking(uri, "tests", tmp_path / "artifacts")
    yield uri
    mlflow.set_tracking_uri(None)


def pytest_terminal_summary(terminalreporter):
    from tests.refusal_counts import COUNTS

    for kind, n in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{kind}: {n}")
