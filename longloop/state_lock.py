"""One writer at a time on a state folder: `longloop run` and `longloop rollback` hold an exclusive lock.

Two runs on the same embedded state (one DVC cache and remote, one SQLite registry, one ledger) would
interleave DVC pushes, version numbers and alias moves. The second run waits up to
`project.lock_wait_seconds`, then stops with the holder's pid, command and start time. The lock is the
kernel's (flock): when a holder dies, even by SIGKILL, the lock goes with it, so a crash never leaves the
state folder locked.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "run.lock"


class StateBusy(Exception):
    """Another longloop process holds the state folder."""


@contextmanager
def state_lock(state_dir: Path, wait_seconds: float, command: str) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StateBusy(
                        f"{state_dir} is in use by {_holder(path)}; wait for it to finish, raise "
                        f"project.lock_wait_seconds, or use another project.state_dir"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": command,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ).encode(),
            0,
        )
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
        return f"longloop {info['command']} (pid {info['pid']}, since {info['since']})"
    except (OSError, ValueError, KeyError):
        return "another longloop process"
