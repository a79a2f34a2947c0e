"""How many model calls a serving process runs at once, and how many threads each of them uses.

Intra-op threads split every operation of one model call across cores and meet at a barrier after each; for
the small operations of a narrow encoder that barrier costs more than the split saves, and while the event
loop thread parses a request it holds one of the cores, so the other thread waits at every barrier. Separate
model calls on separate cores never wait for each other.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkerPlan:
    workers: int  # model calls at once
    threads_per_worker: int  # torch intra-op threads


def usable_cores(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """Cores this process may use, at least 1: its CPU affinity (which a container's cpuset narrows), and no
    more than its cgroup's CPU quota (a Kubernetes CPU limit leaves the affinity at every core of the node)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        quota = cores_in_quota(cpu_max.read_text())
    except OSError:  # no cgroup v2 CPU controller here
        quota = None
    return max(1, min(cores, quota) if quota else cores)


def cores_in_quota(cpu_max: str) -> int | None:
    """Whole cores in a cgroup v2 ``cpu.max`` line (``QUOTA PERIOD``, or ``max PERIOD`` for no limit), rounded up
    so that a limit of 1.5 cores still gets 2 workers' worth of the quota rather than 1."""
    fields = cpu_max.split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


def plan_workers(setting: int | str, cores: int) -> WorkerPlan:
    """``setting`` is ``serving.model_workers``: ``auto`` runs one call per core with one thread each; a number
    N runs N calls and shares the cores among them (at least one thread each)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}")
    workers = cores if setting == "auto" else setting
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"model_workers must be auto or a positive integer, got {setting!r}")
    return WorkerPlan(workers=workers, threads_per_worker=max(1, cores // workers))
