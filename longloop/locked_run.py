"""The one way a job runs against the state folder: hold its lock, settle what a killed run left behind, run.

The command line and the deployed flows both go through ``run_locked``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.state_lock import state_lock
from longloop.temporary_prefect_server import started_alongside

T = TypeVar("T")


def settle_killed_runs(params: LongloopParams) -> list[str]:
    """Embedded only: flow runs a killed longloop left Running are marked Crashed (see orphaned_flow_runs).
    With a Prefect server, its workers and heartbeats own the runs. Call with the lock held."""
    if params.services.prefect_api_url:
        return []
    from longloop.orphaned_flow_runs import crash_orphaned_flow_runs

    crashed = crash_orphaned_flow_runs()
    if crashed:
        print(
            f"longloop: {len(crashed)} flow run(s) left Running by a killed process marked Crashed: "
            f"{', '.join(crashed)}",
            file=sys.stderr,
        )
    return crashed


def run_locked(
    params: LongloopParams,
    command: str,
    job: Callable[[], T],
    wait_seconds: float | None = None,
    settle: bool = True,
    prepare: Callable[[], object] | None = None,
) -> T:
    """Run ``job`` holding the state folder's lock (waiting ``wait_seconds``, by default
    ``project.lock_wait_seconds``). ``settle`` is False inside a flow run of its own (a deployment), whose own
    run is Running and must not be taken for an orphan. ``prepare`` (importing the flows) runs first, under the
    lock, while an embedded Prefect server starts for the settling."""
    wait = params.project.lock_wait_seconds if wait_seconds is None else wait_seconds
    with state_lock(StatePaths.from_params(params).state, wait, command):
        with started_alongside(settle and not params.services.prefect_api_url):
            if prepare is not None:
                prepare()
        if settle:
            settle_killed_runs(params)
        return job()
