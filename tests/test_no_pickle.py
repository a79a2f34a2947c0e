"""No pickle: nothing in our packages loads or writes pickles (models, checkpoints, results), checked on the AST.

Refused: importing pickle, cloudpickle, dill, joblib, shelve or marshal; ``torch.load`` without
``weights_only=True``; ``numpy.load`` with ``allow_pickle=True``; pandas' ``read_pickle``/``to_pickle``;
``mlflow.pyfunc.log_model``/``save_model`` with ``python_model=`` given an object (an instance is pickled;
models from code pass a file path); MLflow's pickle-based flavours (sklearn, pytorch ``log_model``/``save_model``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.package_layout import SOURCE_FOLDERS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (*SOURCE_FOLDERS, "benchmarks")
PICKLING_MODULES = {"pickle", "cPickle", "_pickle", "cloudpickle", "dill", "joblib", "shelve", "marshal"}
PICKLE_FLAVOURS = {"sklearn", "pytorch", "pmdarima", "statsmodels", "catboost", "lightgbm", "xgboost"}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _kw(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def pickle_uses(source: str) -> list[str]:
    """Every pickling construct in ``source``, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] in PICKLING_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PICKLING_MODULES:
            found.append(f"{node.lineno}: from {node.module} import")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if name.endswith("torch.load"):
                wo = _kw(node, "weights_only")
                if not (isinstance(wo, ast.Constant) and wo.value is True):
                    found.append(f"{node.lineno}: {name} without weights_only=True")
            elif last in ("load", "loads") and name.split(".")[0] in ("np", "numpy"):
                ap = _kw(node, "allow_pickle")
                if ap is not None and not (isinstance(ap, ast.Constant) and ap.value is False):
                    found.append(f"{node.lineno}: {name} with allow_pickle")
            elif last in ("read_pickle", "to_pickle"):
                found.append(f"{node.lineno}: {name}")
            elif last in ("log_model", "save_model") and ".pyfunc" in f".{name}":
                pm = _kw(node, "python_model")
                # models from code pass a path (a string, or str()/os.fspath() of one); a constructor call is an
                # instance, which MLflow pickles with cloudpickle
                if isinstance(pm, ast.Call) and _dotted(pm.func) not in ("str", "os.fspath"):
                    found.append(f"{node.lineno}: {name}(python_model=<object>) pickles the instance")
            elif last in ("log_model", "save_model", "load_model") and set(name.split(".")) & PICKLE_FLAVOURS:
                found.append(f"{node.lineno}: {name} is a pickle-based MLflow flavour")
    return found


def _sources():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    "snippet",
    [
        "import pickle",
        "import cloudpickle as cp",
        "from joblib import load",
        "import torch\ntorch.load('x.pt')",
        "import torch\ntorch.load('x.pt', weights_only=False)",
        "import numpy as np\nnp.load('x.npy', allow_pickle=True)",
        "import pandas as pd\npd.read_pickle('x')",
        "import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=Wrapper())",
        "import mlflow\nmlflow.sklearn.log_model(model, name='m')",
    ],
)
def test_the_scanner_catches_pickling(snippet):
    assert pickle_uses(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch\ntorch.load('x.pt', weights_only=True)",
        "import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=str(CODE_PATH))",
        "import mlflow\nmlflow.pyfunc.log_model(name='m', python_model=code_path)",
        "from safetensors.torch import load_file\nload_file('x.safetensors')",
        "import json\njson.load(open('x'))",
    ],
)
def test_the_scanner_lets_safe_loading_through(snippet):
    assert pickle_uses(snippet) == [], snippet


def test_no_pickle_in_our_packages():
    offenders = [f"{p.relative_to(ROOT)}:{u}" for p in _sources() for u in pickle_uses(p.read_text())]
    assert offenders == [], "pickle found:\n" + "\n".join(offenders)


def test_a_registered_model_folder_holds_no_pickle_files(trained_model_dir, tmp_path):
    """The model folder the pipeline packages (weights, tokenizer, spec) and the pyfunc MLflow stores from it."""
    import mlflow

    from longloop.registry.model_registry import log_and_register
    from longloop.registry.tracking import configure_tracking
    from longloop.training.model_io import load_model_dir

    configure_tracking(f"sqlite:///{tmp_path / 'mlflow.db'}", "no-pickle", tmp_path / "artifacts")
    try:
        with mlflow.start_run():
            log_and_register(trained_model_dir, "clf", "example", load_model_dir(trained_model_dir)[0].spec.labels, {})
    finally:
        mlflow.set_tracking_uri(None)
    stored = [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]
    assert any(p.suffix == ".safetensors" for p in stored), "the logged model should carry safetensors weights"
    pickles = [
        p
        for p in [*stored, *Path(trained_model_dir).rglob("*")]
        if p.suffix in (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin") or p.name == "python_model.pkl"
    ]
    assert pickles == []
