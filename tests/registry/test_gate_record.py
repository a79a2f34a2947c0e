"""Whether a reused version's fate is settled, read from the gate's tags on the version (real MLflow store)."""

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.registry.gate_record import record_gate_decision, settled_decision
from longloop.registry.model_registry import set_alias


def _versions(n: int) -> None:
    client = MlflowClient()
    client.create_registered_model("clf")
    with mlflow.start_run() as run:
        pass
    for _ in range(n):
        client.create_model_version("clf", f"runs:/{run.info.run_id}/model", run.info.run_id)


def test_a_gated_version_or_the_champion_is_settled_and_an_ungated_one_is_not(mlflow_store):
    _versions(4)
    set_alias("clf", "champion", "1")
    record_gate_decision(
        "clf", "2", "refuse", True, "macro_f1 0.71 vs champion 0.74: below the margin", "2026-11-26T10:00:00"
    )
    record_gate_decision(
        "clf", "3", "refuse", False, "infra check failed: no answer within 300 s", "2026-11-26T10:05:00"
    )

    assert "already the champion" in settled_decision("clf", "1")
    assert settled_decision("clf", "2") == (
        "reused v2; the gate's decision of 2026-11-26T10:00:00 stands (refuse: "
        "macro_f1 0.71 vs champion 0.74: below the margin); nothing moved"
    )
    assert settled_decision("clf", "3") is None  # the machine failed, not the model: the gate runs again
    assert settled_decision("clf", "4") is None  # registered, never gated (its cycle stopped before the gate)
    # A version promoted once and rolled back since stays where the rollback put it.
    record_gate_decision("clf", "4", "promote", True, "no champion yet", "2026-11-26T10:10:00")
    assert "stands (promote: no champion yet)" in settled_decision("clf", "4")
    with pytest.raises(ValueError, match="decision must be one of promote, refuse, await-approval"):
        record_gate_decision("clf", "4", "maybe", True, "", "2026-11-26T10:10:00")
