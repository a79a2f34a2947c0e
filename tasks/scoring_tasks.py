"""Prefect task for offline batch scoring with a registered model version."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.serving.batch_scoring import ScoringRequest as ScoringRequest  # re-exported for the flow
from longloop.serving.batch_scoring import ScoringSummary as ScoringSummary
from longloop.serving.batch_scoring import score_file
from longloop.settings.params import ServingParams


@task(name="score-file", cache_policy=NO_CACHE)
def score_file_task(request: ScoringRequest, serving: ServingParams) -> ScoringSummary:
    """A retry or a rerun after a kill resumes from the rows already written (see ``serving.batch_scoring``)."""
    return score_file(request, serving)
