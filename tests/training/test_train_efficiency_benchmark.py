"""The training benchmark: its quick run prints every figure it promises (slow), and bad options are refused."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.refusal_counts import BAD_INPUTS, count

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "train_efficiency.py"


@pytest.mark.slow
def test_quick_run_prints_each_figure_beside_its_baseline():
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--sections",
            "throughput,scale,options",
            "--options",
            "default,compile",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    thr = result["throughput"]
    for name in ("hf_naive", "hf_best", "longloop"):
        assert thr[name]["real_tokens_per_second"] > 0 and 0 < thr[name]["model_flops_utilisation"] < 1.5
        assert len(thr[name]["seconds"]) == len(thr[name]["val_loss_runs"]) == 1
    assert thr["longloop"]["real_token_fraction"] > 0.9 > thr["hf_naive"]["real_token_fraction"]
    assert thr["speedup_vs_naive"] == pytest.approx(
        thr["longloop"]["real_tokens_per_second"] / thr["hf_naive"]["real_tokens_per_second"]
    )
    scale = result["scale"]
    for name in ("longloop", "hf_best", "longloop_compile"):
        assert scale[name]["real_tokens_per_second"] > 0 and scale[name]["val_loss"] > 0
    assert scale["longloop_compile"]["speedup_vs_hf_best"] > 0
    assert scale["model"]["non_embedding_parameters"] > 0 and scale["peak_matmul_flops"]["measured"] > 0
    assert set(result["options"]) == {"default", "compile"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--docs", "0"], "--docs: 0 must be at least 1"),
        (["--rounds", "two"], "--rounds: 'two' is not a whole number"),
        (["--sections", "speed"], "--sections: speed not among"),
        (["--sections", ","], "--sections: name at least one of"),
        (["--scale-variants", "deepspeed"], "--scale-variants: deepspeed not among"),
        (["--options", "fp8"], "--options: fp8 not among"),
        (["--lr", "3"], "--lr: 3.0 must be between 0 and 1"),
    ],
)
def test_bad_options_are_refused_in_one_line(args, message, monkeypatch, capsys):
    _assert_refused(args, message, monkeypatch, capsys)


def test_missing_trainer_dependency_is_named_in_one_line(monkeypatch, capsys):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "accelerate" else find_spec(name, *a)
    )
    _assert_refused(["--sections", "throughput"], "need accelerate: pip install", monkeypatch, capsys)


def _assert_refused(args, message, monkeypatch, capsys):
    # In this process (its argument parsing is what is checked; a fresh interpreter per case costs seconds).
    spec = importlib.util.spec_from_file_location("train_efficiency", SCRIPT)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
    with pytest.raises(SystemExit) as exit_:
        benchmark.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err.strip().splitlines()[-1]
    assert "Traceback" not in err
    count(BAD_INPUTS)
