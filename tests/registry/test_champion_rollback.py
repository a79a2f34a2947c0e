"""Rolling the champion back on a real MLflow store (the project's embedded SQLite): aliases swapped, the move
recorded in the ledger, nothing to roll back to refused in one line."""

import json

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.corpus.records import DataError
from longloop.registry.champion_rollback import rollback_and_record
from longloop.registry.model_registry import alias_version, set_alias
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import parse_params
from longloop.settings.state_paths import StatePaths


@pytest.fixture
def params(tmp_path):
    params = parse_params({"registry": {"model_name": "clf"}}, root=tmp_path)
    configure_tracking_for(params)
    yield params
    mlflow.set_tracking_uri(None)


def _versions(name, n, source):
    client = MlflowClient()
    client.create_registered_model(name)
    source.mkdir(exist_ok=True)
    return [client.create_model_version(name, source.as_uri()).version for _ in range(n)]


def test_champion_goes_back_to_the_previous_champion_and_the_ledger_says_so(params, tmp_path):
    _versions("clf", 2, tmp_path / "model")
    set_alias("clf", "champion", "2")
    set_alias("clf", "previous-champion", "1")

    rollback = rollback_and_record(params, "v2 misroutes refunds")

    assert (rollback.from_version, rollback.to_version) == ("2", "1")
    assert alias_version("clf", "champion") == "1" and alias_version("clf", "previous-champion") == "2"
    ledger = [json.loads(line) for line in StatePaths.from_params(params).ledger.read_text().splitlines()]
    assert ledger == [rollback.to_dict()]
    assert {k: ledger[0][k] for k in ("model", "alias", "action", "from_version", "to_version", "reason")} == {
        "model": "clf",
        "alias": "champion",
        "action": "rollback",
        "from_version": "2",
        "to_version": "1",
        "reason": "v2 misroutes refunds",
    }


def test_nothing_to_roll_back_to_is_a_data_error_and_records_nothing(params, tmp_path):
    _versions("clf", 1, tmp_path / "model")
    set_alias("clf", "champion", "1")
    with pytest.raises(DataError, match=r"^clf: nothing to roll back to \(champion 1, previous-champion None\)$"):
        rollback_and_record(params, "oops")
    assert alias_version("clf", "champion") == "1"
    assert not StatePaths.from_params(params).ledger.exists()
