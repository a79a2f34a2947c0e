"""How many model calls a serving process runs at once, and how many threads each of them uses.

Intra-op threads split every operation of one model call across cores and meet at a barrier after each; for
the small operations of a narrow encoder that barrier costs more than the split saves, and while the event
loop thread parses a request it holds one of the cores, so the other thread waits at every barrier. Separate
model calls on separate cores never wait for each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerPlan:
    workers: int  # model calls at once
    threads_per_worker: int  # torch intra-op threads


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a container's cpuset narrows), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def plan_workers(setting: int | str, cores: int) -> WorkerPlan:
    """``setting`` is ``serving.model_workers``: ``auto`` runs one call per core with one thread each; a number
    N runs N calls and shares the cores among them (at least one thread each)."""
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}")
    workers = cores if setting == "auto" else setting
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"model_workers must be auto or a positive integer, got {setting!r}")
    return WorkerPlan(workers=workers, threads_per_worker=max(1, cores // workers))
