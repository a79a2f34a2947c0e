"""Batch scoring as a flow: a whole file scored by one registered model version (``longloop score`` and the
``batch-scoring`` deployment)."""

from __future__ import annotations

from prefect import flow

from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.scoring_tasks import ScoringRequest, ScoringSummary, score_file_task


def scoring_request(
    params: LongloopParams, data_path: str, out_path: str, version: str | None = None, alias: str = "champion"
) -> ScoringRequest:
    """``data_path`` and ``out_path`` inside the project; ``version`` wins over ``alias``."""
    paths = StatePaths.from_params(params)
    return ScoringRequest(
        data_path,
        out_path,
        [paths.root],
        params.data.max_text_chars,
        paths.tracking_uri(params),
        params.registry.model_name,
        version,
        alias,
    )


@flow(name="longloop-batch-scoring")
def batch_scoring(params: LongloopParams, request: ScoringRequest) -> ScoringSummary:
    return score_file_task(request, params.serving)
