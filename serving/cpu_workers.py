"""How many model calls a serving process runs at once, and how many threads each of them uses.

Intra-op threads split every operation of one model call across cores and meet at a barrier after each; for
the small operations of a narrow encoder that barrier costs more than the split saves, and while the event
loop thread parses a request it holds one of the cores, so the other thread waits at every barrier. Separate
model calls on separate cores never wait for each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkerPlan:
    workers: int  # model calls at once
    threads_per_worker: int  # torch intra-op threads


def usable_cores(proc_cgroup: Path = Path("/proc/self/cgroup"), cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """Cores this process may use, at least 1: its CPU affinity (which a container's cpuset narrows), and no
    more than the CPU quota of its cgroup or any cgroup above it (a Kubernetes CPU limit or a systemd
    ``CPUQuota=`` leaves the affinity at every core of the machine)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    for cpu_max in _cgroup_cpu_max_files(proc_cgroup, cgroup_root):
        try:
            quota = cores_in_quota(cpu_max.read_text())
        except OSError:  # no CPU controller at this level
            continue
        if quota is not None:
            cores = min(cores, quota)
    return max(1, cores)


def _cgroup_cpu_max_files(proc_cgroup: Path, cgroup_root: Path) -> list[Path]:
    """``cpu.max`` of this process's cgroup v2 and of each parent up to the root (none under cgroup v1)."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return []
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    if own is None:
        return []
    folder = cgroup_root / own.strip().lstrip("/")
    files = [folder / "cpu.max"]
    while folder != cgroup_root and cgroup_root in folder.parents:
        folder = folder.parent
        files.append(folder / "cpu.max")
    return files


def cores_in_quota(cpu_max: str) -> int | None:
    """Whole cores in a cgroup v2 ``cpu.max`` line (``QUOTA PERIOD``, or ``max PERIOD`` for no limit), rounded
    down and at least 1: a 1.5-core limit runs one single-thread worker, where two would be throttled for a
    quarter of every period, which is what the latency tail feels."""
    fields = cpu_max.split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return max(1, quota // period) if quota > 0 and period > 0 else None


def plan_workers(setting: int | str, cores: int) -> WorkerPlan:
    """``setting`` is ``serving.model_workers``: ``auto`` runs one call per core with one thread each; a number
    N runs N calls and shares the cores among them (at least one thread each)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}")
    workers = cores if setting == "auto" else setting
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"model_workers must be auto or a positive integer, got {setting!r}")
    return WorkerPlan(workers=workers, threads_per_worker=max(1, cores // workers))
