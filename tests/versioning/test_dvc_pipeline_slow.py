"""The DVC pipeline from a fresh copy of the repository: `dvc repro --dry` plans every stage, `dvc exp run
--set-param ...` runs them all, `dvc metrics show` prints the evaluation and `dvc plots show` renders its PNGs."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Small enough for 2 cores: the pipeline's stages are what is tested, not the model.
TINY = [
    "data.demo.n_documents=120",
    "data.demo.median_tokens=120",
    "data.demo.max_tokens=1500",
    "model.vocab_size=1000",
    "model.hidden_size=32",
    "model.num_layers=1",
    "model.intermediate_size=64",
    "model.context_tokens=256",
    "model.window_stride=224",
    "training.epochs=1",
    "training.token_budget=8192",
]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory) -> tuple[Path, dict]:
    """What a clone holds: the files git tracks or would track (the working tree's, so uncommitted work is
    tested too), committed in a new repository."""
    clone = tmp_path_factory.mktemp("clone")
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / name)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(clone / ".home"),
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    env = {k: v for k, v in env.items() if not k.startswith(("PREFECT_", "MLFLOW_"))}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "clone"]):
        _run(cmd, clone, env)
    return clone, env


def test_dry_repro_plans_every_stage(fresh_clone):
    """With ``--force``: DVC 3.67's dry run otherwise looks up its run cache with the hash of a dependency an
    earlier stage has not written yet, and fails (treeverse/dvc#9021); after a run, plain ``--dry`` works."""
    clone, env = fresh_clone
    out = _run(["dvc", "repro", "--dry", "--force"], clone, env).stdout
    for stage in ("dataset", "govern", "train", "evaluate"):
        assert f"'{stage}'" in out, out


def test_an_experiment_runs_every_stage_and_its_metrics_and_plots_show(fresh_clone):
    clone, env = fresh_clone
    _run(["dvc", "exp", "run", *[a for p in TINY for a in ("--set-param", p)]], clone, env)
    metrics = json.loads(_run(["dvc", "metrics", "show", "--json"], clone, env).stdout)
    evaluation = next(iter(metrics.values()))["data"]["reports/evaluation.json"]["data"]
    assert 0 <= evaluation["macro_f1"] <= 1 and "tfidf_logistic_regression" in evaluation["comparisons"]
    assert (clone / "models" / "challenger" / "model.safetensors").is_file() or list(
        (clone / "models" / "challenger").glob("*.safetensors")
    )
    shown = json.loads(_run(["dvc", "exp", "show", "--json"], clone, env).stdout)
    assert "macro_f1" in json.dumps(shown)
    plots = _run(["dvc", "plots", "show", "--json"], clone, env).stdout
    assert "reliability_diagram.png" in plots
    assert "up to date" in _run(["dvc", "repro", "--dry"], clone, env).stdout.lower()
