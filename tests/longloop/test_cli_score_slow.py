"""`longloop score` on 10,000 demo documents as a user runs it: killed with SIGKILL halfway, run again, it
finishes without a duplicated or missing row, and its answers are the served champion's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from longloop.serving.batch_scoring import partial_path
from tests.cli_runner import cli_env, run_cli, served_champion

pytestmark = pytest.mark.slow
N = 10_000


def _rows(path):
    return [json.loads(line) for line in path.read_text().split("\n") if line]


def test_score_ten_thousand_documents_through_a_kill_matches_the_served_champion(project):
    assert run_cli(project, "run", "--json", timeout=900).code == 0
    made = run_cli(project, "demo-data", "--out", "big.jsonl", "--n", str(N), "--stream", "4")
    assert made.code == 0, made.stderr[-2000:]
    out = project / "scores.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "longloop", "score", "--data", "big.jsonl", "--out", "scores.jsonl"],
        cwd=project,
        env=cli_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 600
    while time.time() < deadline and not (partial_path(out).exists() and len(_rows(partial_path(out))) >= 500):
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = len(_rows(partial_path(out)))
    assert 500 <= killed_at < N and not out.exists()

    res = run_cli(project, "score", "--data", "big.jsonl", "--out", "scores.jsonl", "--json", timeout=900)
    assert res.code == 0, res.stderr[-2000:]
    summary = res.json
    assert summary["documents"] == N and summary["resumed_from"] >= killed_at - 64  # at most the cut chunk again
    assert summary["seconds_per_1000_documents"] > 0
    rows = _rows(out)
    ids = [json.loads(line)["id"] for line in (project / "big.jsonl").read_text().split("\n") if line]
    assert [r["id"] for r in rows] == ids  # every document once, in order
    assert {r["model_version"] for r in rows} == {summary["model_version"]}

    with served_champion(project) as url:
        sample = [json.loads(line) for line in (project / "big.jsonl").read_text().split("\n") if line][::500]
        served = httpx.post(
            f"{url}/predict", json={"documents": [{"id": d["id"], "text": d["text"]} for d in sample]}, timeout=120
        ).json()["predictions"]
        by_id = {r["id"]: r for r in rows}
        for doc, answer in zip(sample, served, strict=True):
            assert by_id[doc["id"]]["label"] == answer["label"]
            assert by_id[doc["id"]]["confidence"] == pytest.approx(answer["confidence"], abs=1e-5)
