"""Flow runs that a killed process left Running in the embedded Prefect database are marked Crashed.

Embedded, every flow runs in a longloop process holding the state folder's lock, so once the lock is held no
Running flow run in that database has a live process behind it. (With a Prefect server, workers own their runs
and Prefect's own heartbeats and automations settle them; nothing here touches a server's runs.)
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.states import Crashed


def crash_orphaned_flow_runs() -> list[str]:
    """Mark every Running or Pending flow run Crashed; the names of the runs marked. Call with the lock held."""
    stuck = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING]))
    )
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=stuck)
        for run in runs:
            client.set_flow_run_state(
                run.id,
                Crashed(message="its process was killed (found by the next longloop run on this state folder)"),
                force=True,
            )
    return [run.name for run in runs]
