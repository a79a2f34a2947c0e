"""Fault injection: `longloop run` killed with SIGKILL at random points of training, registration, deployment
and the drift job, at least 20 times, on real Prefect, MLflow, DVC and Evidently stores.

After every kill: the ``champion`` alias resolves to a complete model whose checksums verify and which loads
and answers; every DVC object in the cache and the remote hashes to its name; every registered version's
artifacts verify; the Evidently workspace loads every snapshot; every JSON state file and log parses; the
pipeline's serving process is gone. The next run resumes training with at most ``checkpoint_every`` steps lost,
marks the killed flow run Crashed, and the last run of each cycle finishes the work.

Run with ``make test-faults`` (``pytest -m faults``); ``LONGLOOP_FAULT_SEED`` repeats a sequence of kill points.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from longloop.corpus.atomic_files import read_jsonl_complete
from tests.cli_runner import cli_env, run_cli
from tests.conftest import TINY
from tests.refusal_counts import KILLS, count

pytestmark = pytest.mark.faults

MODEL = "longloop-classifier"
STAGES = ("training", "registration", "deployment", "drift")
MIN_KILLS, MIN_PER_STAGE, MAX_CYCLES = 20, 4, 8  # each cycle: a new dataset, a kill in each stage, a finished run
CHECKPOINT_EVERY = 3
SEED = int(os.environ.get("LONGLOOP_FAULT_SEED", time.time_ns() % 100_000))
FINISHED = re.compile(r"Task run '([a-z0-9-]+?)-[0-9a-f]{3,}' - Finished in state Completed")


def _fault_params(project: Path) -> None:
    params = yaml.safe_load(TINY.read_text())
    # Slower training than the tiny config (about 70 steps, several seconds) so that kills land inside it.
    params["model"] = {**params["model"], "hidden_size": 64, "intermediate_size": 128, "num_layers": 2}
    params["training"] = {
        **params["training"],
        "epochs": 3,
        "token_budget": 2048,
        "early_stopping_patience": 3,
        "checkpoint_every": CHECKPOINT_EVERY,
    }
    params["retraining"] = {
        "enabled": False
    }  # the retraining cycle is the training cycle again; kills there add nothing
    (project / "params.yaml").write_text(yaml.safe_dump(params))


def _production(data: str) -> str:
    """The production file that goes with a cycle's dataset file."""
    return f"production-{data}"


@dataclass
class Attempt:
    stage: str | None  # where the kill was aimed; None: let the run finish
    started: float = field(default_factory=time.time)
    finished_tasks: list[str] = field(default_factory=list)
    killed_in: str | None = None
    code: int | None = None
    stdout: str = ""
    stderr: str = ""


class PipelineRun:
    """`longloop run` in its own process group, its log lines read as they come."""

    def __init__(self, project: Path, data: str, attempt: Attempt):
        self.project, self.attempt = project, attempt
        # A dataset of the user's own is watched with their own production file (nothing synthetic is sent).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "longloop", "run", "--json", "--data", data, "--production", _production(data)],
            cwd=project,
            env=cli_env(project),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self._err: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._err.append(line)
            if m := FINISHED.search(line):
                self.attempt.finished_tasks.append(m.group(1))

    def done(self, task: str) -> bool:
        return task in self.attempt.finished_tasks

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)

    def wait(self, timeout: float = 900) -> Attempt:
        self.attempt.stdout = self.proc.stdout.read()
        self.attempt.code = self.proc.wait(timeout)
        self._reader.join(10)
        self.attempt.stderr = "".join(self._err)
        return self.attempt


def _newer_files(folder: Path, pattern: str, since: float) -> list[Path]:
    return [p for p in folder.glob(pattern) if p.stat().st_mtime >= since] if folder.exists() else []


def _reached(run: PipelineRun, stage: str, state: Path) -> bool:
    """Whether the run is inside ``stage`` now (the moment the random delay starts)."""
    since = run.attempt.started
    if stage == "training":
        return bool(_newer_files(state / "training", "*/checkpoints/step-*", since)) and not run.done("train-model")
    if stage == "registration":  # the challenger's and the champion's evaluations are done: registering next
        return run.done("evaluate-champion")
    if stage == "deployment":  # the serving process has been started and is loading the champion
        return bool(_newer_files(state / "logs", "serving-*.log", since))
    return run.done("next-drift-window")  # drift: the window is chosen, the check and its snapshot come next


# The task whose completion ends each stage: a kill aimed at a stage counts for it only if it landed before.
STAGE_ENDS = {
    "training": "train-model",
    "registration": "promotion-gate",
    "deployment": "replay-production-file",
    "drift": "record-retraining",
}


def _stage_at_kill(run: PipelineRun) -> str:
    aim = run.attempt.stage
    if aim == "registration" and run.done("reuse-trained-version"):
        return aim  # a cycle that reuses a registered version goes from it to the gate (if not yet recorded)
    return aim if not run.done(STAGE_ENDS[aim]) else f"after {aim}"


# Seconds after the stage is seen to start; each range about covers the stage on 2 cores (registration includes
# the promotion gate's fresh-process infra check and the alias moves).
DELAYS = {"training": (0.0, 2.0), "registration": (0.0, 13.0), "deployment": (0.0, 8.0), "drift": (0.0, 1.2)}


def _attempt(project: Path, data: str, stage: str | None, rng: random.Random) -> Attempt:
    run = PipelineRun(project, data, Attempt(stage))
    state = project / ".longloop"
    if stage is not None:
        while run.proc.poll() is None and not _reached(run, stage, state):
            time.sleep(0.05)
        if run.proc.poll() is None:
            time.sleep(rng.uniform(*DELAYS[stage]))
            if run.proc.poll() is None:
                run.attempt.killed_in = _stage_at_kill(run)
                run.kill()
    return run.wait()


# ------------------------------------------------------------------ what must hold after every kill


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _check_dvc_objects(state: Path) -> int:
    """Every object in the DVC cache and the folder remote hashes to its name (``.dir`` listings too)."""
    checked = 0
    for root in (state / "dvc-cache", state / "dvc-remote"):
        for obj in root.rglob("*"):
            if (
                obj.is_file()
                and re.fullmatch(r"[0-9a-f]{2}", obj.parent.name)
                and re.fullmatch(r"[0-9a-f]{30}(\.dir)?", obj.name)
            ):
                assert _md5(obj) == obj.parent.name + obj.name[:30], f"corrupt DVC object {obj}"
                checked += 1
    return checked


def _check_models(state: Path, scratch: Path) -> str | None:
    """Every registered version's model folder verifies; the champion also loads through pyfunc and answers."""
    from longloop.registry.model_registry import download_model_dir
    from longloop.training.folder_checksums import verify_model_dir

    uri = f"sqlite:///{state / 'mlflow' / 'mlflow.db'}"
    if not (state / "mlflow" / "mlflow.db").exists():
        return None
    mlflow.set_tracking_uri(uri)
    try:
        client = MlflowClient(uri)
        try:
            versions = client.search_model_versions(f"name='{MODEL}'")
        except MlflowException:
            versions = []
        for mv in versions:
            verify_model_dir(download_model_dir(MODEL, str(mv.version), scratch / f"v{mv.version}-{time.time_ns()}"))
        try:
            champion = client.get_model_version_by_alias(MODEL, "champion")
        except MlflowException:
            return None
        model = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
        import pandas as pd

        answer = model.predict(pd.DataFrame({"text": ["a short document to classify after a kill"]}))
        assert len(answer) == 1
        return str(champion.version)
    finally:
        mlflow.set_tracking_uri(None)


def _check_evidently(state: Path) -> int:
    from evidently.ui.workspace import Workspace

    folder = state / "evidently"
    if not folder.exists():
        return 0
    ws = Workspace(str(folder))
    loaded = 0
    for project in ws.list_projects():
        for snapshot_id in ws.list_runs(project.id):
            assert ws.get_run(project.id, snapshot_id) is not None
            loaded += 1
    return loaded


def _check_state_files(state: Path) -> None:
    """Every JSON file and JSON-lines log longloop keeps parses (temporary files of a killed write aside)."""
    for path in state.rglob("*.json"):
        if path.name.startswith(".") or {"prefect", "huggingface", "matplotlib", "dvc-site"} & set(path.parts):
            continue
        json.loads(path.read_text())
    for path in state.rglob("*.jsonl"):
        read_jsonl_complete(path)


def _serving_processes(project: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "serving.server" in cmd and str(project) in cmd:
                found.append(int(entry.name))
    return found


def _check_no_serving_left(project: Path) -> None:
    deadline = time.monotonic() + 15
    while _serving_processes(project) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not _serving_processes(project), "the killed pipeline's serving process is still running"


def _training_steps(state: Path, run_id: str) -> list[int]:
    client = MlflowClient(f"sqlite:///{state / 'mlflow' / 'mlflow.db'}")
    return sorted(m.step for m in client.get_metric_history(run_id, "train_loss"))


def _pipeline_runs(state: Path) -> list[str]:
    """MLflow runs the pipeline started, oldest first."""
    client = MlflowClient(f"sqlite:///{state / 'mlflow' / 'mlflow.db'}")
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], order_by=["attributes.start_time ASC"]
    )
    return [r.info.run_id for r in runs]


def _unsettled_flow_runs(state: Path) -> int:
    db = sqlite3.connect(state / "prefect" / "prefect.db")
    try:
        return db.execute("SELECT count(*) FROM flow_run WHERE state_type IN ('RUNNING', 'PENDING')").fetchone()[0]
    finally:
        db.close()


# ------------------------------------------------------------------ the test


def test_kills_at_random_points_lose_nothing_and_the_next_run_finishes(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    _fault_params(project)
    scratch = tmp_path / "downloads"
    state = project / ".longloop"
    rng = random.Random(SEED)
    kills: dict[str, int] = {}
    champions: list[str] = []
    context = f"(LONGLOOP_FAULT_SEED={SEED})"

    cycle = 0
    while cycle < MAX_CYCLES and (
        sum(kills.values()) < MIN_KILLS or min(kills.get(s, 0) for s in STAGES) < MIN_PER_STAGE
    ):
        cycle += 1
        data = f"data-{cycle}.jsonl"
        made = run_cli(project, "demo-data", "--out", data, "--n", "160", "--seed", str(100 + cycle))
        assert made.code == 0, made.stderr
        later = run_cli(
            project,
            "demo-data",
            "--out",
            _production(data),
            "--n",
            "60",
            "--seed",
            str(100 + cycle),
            "--stream",
            "5",
            "--shift",
            "longer",
        )
        assert later.code == 0, later.stderr
        runs_before = set(_pipeline_runs(state)) if state.exists() else set()
        for stage in STAGES:
            attempt = _attempt(project, data, stage, rng)
            print(f"cycle {cycle}: aimed at {stage}, killed in {attempt.killed_in} (exit {attempt.code})")
            if attempt.killed_in is None:  # the run got past the aimed stage before the kill: it finished
                assert attempt.code == 0, f"{context} {attempt.stderr[-3000:]}"
                continue
            assert attempt.code == -signal.SIGKILL, f"{context} {attempt.stderr[-3000:]}"
            kills[attempt.killed_in] = kills.get(attempt.killed_in, 0) + 1
            _check_no_serving_left(project)
            _check_dvc_objects(state)
            _check_state_files(state)
            _check_evidently(state)
            champion = _check_models(state, scratch)
            if champions:  # once there is a champion, no kill may leave the alias unresolvable
                assert champion is not None, f"{context} champion lost after a kill in {attempt.killed_in}"
            if champion:
                champions.append(champion)

        final = _attempt(project, data, None, rng)
        assert final.code == 0, f"{context} {final.stderr[-3000:]}"
        summary = json.loads(final.stdout)
        assert summary["deployment"]["traffic"]["failed"] == 0 and summary["drift"]["n_current"] > 0
        champions.append(_check_models(state, scratch))
        assert champions[-1] == summary["registry"]["champion_version"]

        # Training was killed, then resumed by the next run: at most checkpoint_every steps done twice, none skipped.
        new_runs = [r for r in _pipeline_runs(state) if r not in runs_before]
        trained = [steps for steps in (_training_steps(state, r) for r in new_runs) if steps]
        assert trained, context
        for killed, resumed in zip(trained, trained[1:]):
            lost = killed[-1] - (resumed[0] - 1)
            assert 0 <= lost <= CHECKPOINT_EVERY, f"{context} {lost} steps lost ({killed} then {resumed})"
        assert trained[-1][-1] == max(s for steps in trained for s in steps), context

    assert _unsettled_flow_runs(state) == 0, "a killed flow run was left Running"
    assert _check_dvc_objects(state) > 0 and _check_evidently(state) > 0
    total = sum(kills.values())
    assert total >= MIN_KILLS, f"{context} only {total} kills landed: {kills}"
    assert all(kills.get(s, 0) >= MIN_PER_STAGE for s in STAGES), f"{context} {kills}"
    for stage, n in kills.items():
        count(f"{KILLS} ({stage})", n)
    count(KILLS, total)
