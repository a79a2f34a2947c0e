"""The approval step on a real MLflow store (the project's embedded SQLite): a version waits under
``awaiting-approval``, a person approves it (champion, drift reference installed) or rejects it, a newer one
supersedes it, a wait past the timeout counts as a rejection; every decision is in the ledger with who and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import mlflow
import pytest
from mlflow import MlflowClient

from longloop.corpus.records import DataError
from longloop.registry.drift_reference import DRIFT_REFERENCE_ARTIFACTS, DRIFT_REFERENCE_FILES
from longloop.registry.gate_record import DECISION_TAG, settled_decision
from longloop.registry.model_registry import alias_version, set_alias, version_tags
from longloop.registry.promotion_approval import (
    AWAITING_ALIAS,
    decide_approval,
    expire_pending,
    pending_approval,
    request_approval,
)
from longloop.registry.promotion_ledger import read_ledger
from longloop.registry.tracking import configure_tracking_for
from longloop.settings.params import parse_params
from longloop.settings.state_paths import StatePaths

TIMEOUT_HOURS = 72.0


@pytest.fixture
def paths(tmp_path):
    params = parse_params({"registry": {"model_name": "clf"}}, root=tmp_path)
    configure_tracking_for(params)
    paths = StatePaths.from_params(params)
    paths.ensure()
    yield paths
    mlflow.set_tracking_uri(None)


def _version_with_reference(tmp_path, tag: str) -> str:
    """A registered version whose run logged a drift reference (what the training cycle logs)."""
    files = tmp_path / f"reference-{tag}"
    files.mkdir()
    for name in DRIFT_REFERENCE_FILES:
        (files / name).write_text(json.dumps({"model": tag, "file": name}) + "\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(files), artifact_path=DRIFT_REFERENCE_ARTIFACTS)
    client = MlflowClient()
    if not client.search_registered_models("name='clf'"):
        client.create_registered_model("clf")
    return str(client.create_model_version("clf", files.as_uri(), run_id=run.info.run_id).version)


def _wait(paths, version) -> dict:
    return request_approval(paths, "clf", version, "macro_f1 0.9 beats 0.8", {"challenger_version": version}, True, 72)


def test_an_approved_version_becomes_the_champion_with_its_drift_reference(paths, tmp_path):
    old, new = _version_with_reference(tmp_path, "old"), _version_with_reference(tmp_path, "new")
    set_alias("clf", "champion", old)
    waiting = _wait(paths, new)

    assert alias_version("clf", AWAITING_ALIAS) == new and alias_version("clf", "champion") == old
    assert waiting["action"] == "await-approval" and f"longloop approve {new}" in waiting["reason"]
    assert version_tags("clf", new)[DECISION_TAG] == "await-approval"
    assert "waits for approval" in settled_decision("clf", new)  # a cycle reusing it does not gate it again
    assert pending_approval("clf", TIMEOUT_HOURS).version == new

    decision = decide_approval(paths, "clf", new, True, "read the model card", "alice", TIMEOUT_HOURS)

    assert decision.approved and decision.champion_version == new
    assert alias_version("clf", "champion") == new and alias_version("clf", "previous-champion") == old
    assert alias_version("clf", AWAITING_ALIAS) is None and pending_approval("clf", TIMEOUT_HOURS) is None
    assert json.loads(paths.drift_reference.read_text())["model"] == "new"
    assert json.loads(paths.drift_model_spec.read_text())["model"] == "new"
    last = read_ledger(paths.ledger)[-1]
    assert {k: last[k] for k in ("who", "action", "from_version", "to_version")} == {
        "who": "alice",
        "action": "approve",
        "from_version": old,
        "to_version": new,
    }
    assert last["reason"] == "approved: read the model card"
    assert version_tags("clf", new)[DECISION_TAG] == "promote"


def test_a_rejected_version_leaves_the_champion_and_cannot_be_approved_later(paths, tmp_path):
    old, new = _version_with_reference(tmp_path, "old"), _version_with_reference(tmp_path, "new")
    set_alias("clf", "champion", old)
    _wait(paths, new)

    decision = decide_approval(paths, "clf", new, False, "misroutes refunds", "bob", TIMEOUT_HOURS)

    assert not decision.approved and decision.champion_version == old == alias_version("clf", "champion")
    assert not paths.drift_reference.exists()
    last = read_ledger(paths.ledger)[-1]
    assert (last["who"], last["action"], last["reason"]) == ("bob", "reject", "rejected: misroutes refunds")
    assert version_tags("clf", new)[DECISION_TAG] == "refuse"
    assert "refuse" in settled_decision("clf", new)
    with pytest.raises(DataError, match=f"clf v{new} is not awaiting approval \\(no version is\\)"):
        decide_approval(paths, "clf", new, True, "changed my mind", "bob", TIMEOUT_HOURS)


def test_a_newer_version_supersedes_the_waiting_one(paths, tmp_path):
    first, second = _version_with_reference(tmp_path, "a"), _version_with_reference(tmp_path, "b")
    _wait(paths, first)
    _wait(paths, second)

    assert alias_version("clf", AWAITING_ALIAS) == second
    actions = [(e["action"], e["to_version"]) for e in read_ledger(paths.ledger)]
    assert actions == [("await-approval", first), ("reject", None), ("await-approval", second)]
    assert f"superseded by v{second}" in read_ledger(paths.ledger)[1]["reason"]
    with pytest.raises(DataError, match=f"v{first} is not awaiting approval \\(v{second} is\\)"):
        decide_approval(paths, "clf", first, True, "ok", "alice", TIMEOUT_HOURS)


def test_a_wait_past_the_timeout_is_a_rejection(paths, tmp_path):
    version = _version_with_reference(tmp_path, "late")
    _wait(paths, version)
    pending = pending_approval("clf", TIMEOUT_HOURS)
    assert pending.expires - pending.since == timedelta(hours=TIMEOUT_HOURS)

    assert expire_pending(paths, "clf", TIMEOUT_HOURS) is None  # still within the wait
    assert expire_pending(paths, "clf", TIMEOUT_HOURS, now=datetime.now(UTC) + timedelta(hours=73)) is not None
    last = read_ledger(paths.ledger)[-1]
    assert last["action"] == "reject" and "no decision within 72 h" in last["reason"]
    assert alias_version("clf", AWAITING_ALIAS) is None and alias_version("clf", "champion") is None

    other = _version_with_reference(tmp_path, "later")
    _wait(paths, other)
    with pytest.raises(DataError, match="waited longer than 0 h for approval and was rejected"):
        decide_approval(paths, "clf", other, True, "ok", "alice", 0.0)
    assert alias_version("clf", "champion") is None
