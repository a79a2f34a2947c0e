"""A champion's rollout on a real MLflow store: a promotion with ``registry.canary.share`` starts a canary beside
the champion it replaces, a champion replaced during its canary leaves the previous stable champion in place,
a rollback ends the canary; clients fall on one side, sticky, in the configured share."""

from __future__ import annotations

import json

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.registry.champion_rollback import rollback_and_record
from longloop.registry.drift_reference import DRIFT_REFERENCE_ARTIFACTS, DRIFT_REFERENCE_FILES
from longloop.registry.model_registry import alias_version
from longloop.registry.promotion_approval import make_champion
from longloop.registry.rollout_state import champion_rollout, in_canary_slice, version_rollout
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import parse_params
from longloop.settings.state_paths import StatePaths


@pytest.fixture
def params(tmp_path):
    params = parse_params({"registry": {"model_name": "clf"}}, root=tmp_path)
    configure_tracking_for(params)
    StatePaths.from_params(params).ensure()
    yield params
    mlflow.set_tracking_uri(None)


def _promote(params, tmp_path, share: float) -> str:
    """A new registered version with a drift reference, made the champion as the gate does."""
    files = tmp_path / f"reference-{len(list(tmp_path.glob('reference-*')))}"
    files.mkdir()
    for name in DRIFT_REFERENCE_FILES:
        (files / name).write_text(json.dumps({"file": name}) + "\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(files), artifact_path=DRIFT_REFERENCE_ARTIFACTS)
    client = MlflowClient()
    if not client.search_registered_models("name='clf'"):
        client.create_registered_model("clf")
    version = str(client.create_model_version("clf", files.as_uri(), run_id=run.info.run_id).version)
    paths = StatePaths.from_params(params)
    make_champion(paths, "clf", version, paths.runs_dir / run.info.run_id, run.info.run_id, share)
    return version


def test_a_first_champion_takes_all_traffic_and_the_next_one_starts_a_canary(params, tmp_path):
    first = _promote(params, tmp_path, 0.2)
    assert champion_rollout("clf") is None  # nothing to roll out beside
    second = _promote(params, tmp_path, 0.2)
    rollout = champion_rollout("clf")
    assert (rollout.version, rollout.stable, rollout.share, rollout.state) == (second, first, 0.2, "canary")
    assert alias_version("clf", "previous-champion") == first


def test_without_a_share_a_promotion_takes_all_traffic_at_once(params, tmp_path):
    _promote(params, tmp_path, 0.0)
    _promote(params, tmp_path, 0.0)
    assert champion_rollout("clf") is None


def test_a_champion_replaced_during_its_canary_leaves_the_stable_one_as_previous(params, tmp_path):
    first, second, third = (_promote(params, tmp_path, 0.2) for _ in range(3))
    assert version_rollout("clf", second).state == "superseded"
    rollout = champion_rollout("clf")
    assert (rollout.version, rollout.stable) == (third, first)
    assert alias_version("clf", "previous-champion") == first  # a rollback returns to a fully rolled-out champion


def test_a_rollback_during_the_canary_ends_it_as_rolled_back(params, tmp_path):
    first, second = (_promote(params, tmp_path, 0.2) for _ in range(2))
    rollback_and_record(params, "manual: the new model misroutes refunds")
    assert alias_version("clf", "champion") == first and champion_rollout("clf") is None
    ended = version_rollout("clf", second)
    assert ended.state == "rolled-back" and ended.reason == "manual: the new model misroutes refunds"


def test_clients_fall_on_one_side_in_the_configured_share_and_stay_there():
    clients = [f"client-{i}" for i in range(4000)]
    inside = [c for c in clients if in_canary_slice(c, "7", 0.1)]
    assert 0.08 < len(inside) / len(clients) < 0.12
    assert all(in_canary_slice(c, "7", 0.1) for c in inside)  # sticky
    assert not any(in_canary_slice(c, "7", 0.0) for c in clients) and all(
        in_canary_slice(c, "7", 0.999999) for c in clients[:50]
    )
    assert set(inside) != {c for c in clients if in_canary_slice(c, "8", 0.1)}  # each rollout takes another slice
