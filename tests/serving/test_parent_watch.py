"""A serving process started for a pipeline run goes away when that run's process is killed."""

import os
import subprocess
import sys
import time

# A middle process starts a child that watches it (as the pipeline starts its server), prints the child's pid
# and then waits; the test kills the middle process with SIGKILL.
MIDDLE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", '''
import os, time
from longloop.serving.parent_watch import exit_with_parent
exit_with_parent(os.getppid(), poll_seconds=0.1)
time.sleep(60)
'''], start_new_session=True)
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_server_shuts_down_once_its_parent_is_killed():
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    child = int(middle.stdout.readline())
    time.sleep(1.0)
    assert _alive(child), "the watcher must not stop a server whose parent is alive"
    middle.kill()
    middle.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)
