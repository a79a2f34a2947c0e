"""Two CPU processes under torchrun (gloo) give the model that one process gives with twice the accumulation."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from safetensors.torch import load_file

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.demo_corpus import generate_corpus

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp: Path, name: str, grad_accumulation: int) -> Path:
    cfg = yaml.safe_load((ROOT / "tests" / "tiny_params.yaml").read_text())
    cfg["model"]["dropout"] = 0.0  # dropout masks differ between ranks; without them the runs must agree
    cfg["training"].update(
        grad_accumulation=grad_accumulation, token_budget=2048, epochs=2, device="cpu", checkpoint_every=1000
    )
    path = tmp / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def _train(tmp: Path, config: Path, out: str, processes: int) -> dict:
    launcher = (
        [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
        if processes > 1
        else [sys.executable]
    )
    res = subprocess.run(
        [*launcher, "-m", "longloop.train_distributed", "--config", config.name, "--data", "data.jsonl", "--out", out],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
            "HOME": str(tmp),
        },
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # three torchrun/trainer processes (13 s): the default suite keeps to 10 minutes
def test_two_processes_match_one_process_with_double_accumulation(tmp_path):
    write_jsonl_atomic(tmp_path / "data.jsonl", generate_corpus(80, seed=5, median_tokens=120, max_tokens=900))
    single = _train(tmp_path, _config(tmp_path, "one.yaml", 2), "one", 1)
    # Both runs read the same tokenizer (its training is not the subject here).
    (tmp_path / "two" / "work").mkdir(parents=True)
    shutil.copy(tmp_path / "one" / "work" / "tokenizer.json", tmp_path / "two" / "work" / "tokenizer.json")
    ddp = _train(tmp_path, _config(tmp_path, "two.yaml", 1), "two", 2)
    assert ddp["processes"] == 2 and single["processes"] == 1
    assert ddp["steps"] == single["steps"] > 4
    a = load_file(str(tmp_path / "one" / "model" / "model.safetensors"))
    b = load_file(str(tmp_path / "two" / "model" / "model.safetensors"))
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst < 1e-4, worst
    assert abs(ddp["best_val_loss"] - single["best_val_loss"]) < 1e-4
