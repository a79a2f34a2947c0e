"""Where the loop stands, read from a real MLflow store and the state folder's histories."""

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.corpus.atomic_files import append_jsonl
from longloop.loop_status import loop_status
from longloop.registry.model_registry import set_alias
from longloop.registry.promotion_ledger import record_move
from longloop.registry.rollout_state import start_rollout
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import parse_params
from longloop.settings.state_paths import StatePaths


@pytest.fixture
def params(tmp_path):
    params = parse_params({"registry": {"model_name": "clf"}}, root=tmp_path)
    yield params
    mlflow.set_tracking_uri(None)


def test_a_fresh_project_has_no_aliases_and_empty_histories(params, tmp_path):
    status = loop_status(params, 10)
    assert status.to_dict() == {
        "model": "clf",
        "aliases": {"champion": None, "challenger": None, "previous-champion": None, "awaiting-approval": None},
        "promotions": [],
        "drift": [],
        "retraining": [],
        "tracking_uri": f"sqlite:///{(tmp_path / '.longloop' / 'mlflow' / 'mlflow.db').as_posix()}",
        "approval": None,
        "rollout": None,
    }


def test_aliases_and_the_latest_entries_of_each_history(params, tmp_path):
    paths = StatePaths.from_params(params)
    configure_tracking_for(params)
    client = MlflowClient()
    client.create_registered_model("clf")
    (tmp_path / "model").mkdir()
    for _ in range(2):
        client.create_model_version("clf", (tmp_path / "model").as_uri())
    set_alias("clf", "champion", "2")
    set_alias("clf", "previous-champion", "1")
    set_alias("clf", "awaiting-approval", "2")  # (a test of the status, not of the approval rules)
    start_rollout("clf", "2", "1", 0.25)
    moves = [record_move(paths.ledger, "clf", "champion", str(i), str(i + 1), f"move {i}") for i in range(3)]
    for i in range(3):
        append_jsonl(paths.drift_history, {"at": f"t{i}", "drift_detected": i == 2, "score": i / 10, "checks": {}})
        append_jsonl(paths.retraining_log, {"at": f"t{i}", "started": False, "reason": f"reason {i}"})

    status = loop_status(params, 2)

    assert status.aliases == {"champion": "2", "challenger": None, "previous-champion": "1", "awaiting-approval": "2"}
    assert status.approval is not None and status.approval.version == "2"
    assert status.promotions == moves[1:]
    assert status.drift == [
        {"at": "t1", "drift_detected": False, "score": 0.1, "quality": None},
        {"at": "t2", "drift_detected": True, "score": 0.2, "quality": None},
    ]
    assert [r["reason"] for r in status.retraining] == ["reason 1", "reason 2"]
    assert (status.rollout.version, status.rollout.stable, status.rollout.state) == ("2", "1", "canary")
    keys = ["model", "aliases", "promotions", "drift", "retraining", "tracking_uri", "approval", "rollout"]
    assert list(status.to_dict()) == keys
