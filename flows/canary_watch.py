"""The canary watch as a flow of its own, so a deployment can judge a champion's canary every few minutes."""

from __future__ import annotations

from prefect import flow

from longloop.settings.params import LongloopParams
from longloop.tasks.registry_tasks import watch_canary_rollout
from longloop.tasks.stage_results import CanaryCheck as CanaryCheck  # re-exported for the deployed flow


@flow(name="longloop-canary-watch")
def canary_watch(params: LongloopParams) -> CanaryCheck:
    """Roll the champion's canary back when a limit of ``registry.canary`` is breached, complete it once the
    canary answered enough documents, or leave it running; nothing to do when no canary is in progress."""
    return watch_canary_rollout(params)
