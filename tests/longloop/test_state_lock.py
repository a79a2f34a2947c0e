"""A second run on the same state folder waits or stops with a reason; a dead holder never blocks."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from longloop.state_lock import StateBusy, state_lock
from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time; from pathlib import Path; from longloop.state_lock import state_lock\n"
    "with state_lock(Path(sys.argv[1]), 0, 'run'):\n    print('held', flush=True); time.sleep(float(sys.argv[2]))"
)


def _holder(state: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_busy_state_is_refused_with_the_holder_then_acquired_when_it_ends(tmp_path):
    holder = _holder(tmp_path, 1.5)
    with pytest.raises(StateBusy, match=rf"in use by longloop run \(pid {holder.pid}, since "):
        with state_lock(tmp_path, 0, "run"):
            pass
    start = time.monotonic()
    with state_lock(tmp_path, 30, "run"):  # waits for the holder to finish
        assert time.monotonic() - start < 25
    holder.wait()


def test_a_killed_holder_releases_the_lock(tmp_path):
    holder = _holder(tmp_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with state_lock(tmp_path, 0, "run"):
        pass


def test_second_run_stops_with_one_line_and_exit_4(project):
    state = project / ".longloop"
    holder = _holder(state, 60)
    try:
        before = sorted(p.relative_to(state) for p in state.rglob("*") if p.is_file())
        res = run_cli(project, "run", timeout=120)
        assert res.code == 4, res.stderr[-2000:]
        lines = [l for l in res.stderr.splitlines() if l.strip()]
        assert lines[-1].startswith("longloop: ") and f"pid {holder.pid}" in lines[-1]
        assert "Traceback" not in res.stderr
        after = sorted(p.relative_to(state) for p in state.rglob("*") if p.is_file())
        assert after == before  # no flow started: no database, no snapshot, no model
    finally:
        holder.kill()
        holder.wait()
