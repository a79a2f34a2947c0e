"""A candidate's process dies with the process that started it: a killed `longloop run` leaves no candidate
training on into the folder that its successor resumes from."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

GRANDCHILD = (
    "import sys, time\n"
    "from longloop.evaluation.candidate_run import die_with_parent\n"
    "die_with_parent(int(sys.argv[1]))\n"
    "print('armed', flush=True)\n"
    "time.sleep(120)\n"
)
PARENT = (
    "import os, subprocess, sys, time\n"
    f"child = subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}, str(os.getpid())], stdout=subprocess.PIPE,"
    " text=True)\n"
    "assert child.stdout.readline().strip() == 'armed'\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(120)\n"
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "\nState:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


def test_the_candidate_is_killed_when_its_parent_is(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the candidate outlived the process that started it"
    finally:
        parent.kill()


def test_a_candidate_whose_parent_is_already_gone_exits_at_once():
    code = "import os\nfrom longloop.evaluation.candidate_run import die_with_parent\ndie_with_parent(os.getppid() + 1)"
    done = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert done.returncode == 1
