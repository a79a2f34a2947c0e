"""A canary rollout through the whole loop: the second `longloop run` promotes a new champion with
``registry.canary.share``, its own serving window splits the clients between it and the previous champion, and
the canary watch that follows the window completes the rollout, in the ledger and `longloop status`; `longloop
rollback` afterwards returns to the previous champion. Real flows, serving process, MLflow store, ledger."""

from __future__ import annotations

import json

import pytest
import yaml

from longloop.serving.canary import canary_log_for
from tests.cli_runner import run_cli

pytestmark = pytest.mark.slow


def _configure(project, **training) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["registry"]["promotion"].update(min_improvement=-1.0, max_ece_increase=1.0, max_robustness_drop_increase=1.0)
    params["registry"]["canary"] = {"share": 0.5, "min_documents": 10}
    params["training"].update(training)
    params["retraining"] = {"enabled": False}  # the windows' drift must not add cycles of its own here
    (project / "params.yaml").write_text(yaml.safe_dump(params))


def test_a_promoted_champion_is_rolled_out_as_a_canary_and_completes_in_the_pipelines_window(project):
    _configure(project)
    first = run_cli(project, "run", "--json", timeout=900)
    assert first.code == 0, first.stderr[-2000:]
    stable = first.json["promotion"]["champion_version"]
    assert first.json["canary"]["rollout"] is None  # a first champion takes all the traffic

    _configure(project, learning_rate=0.004)  # another model: a new version, promoted under the relaxed rules
    second = run_cli(project, "run", "--json", timeout=900)
    assert second.code == 0, second.stderr[-2000:]
    canary = second.json["promotion"]["champion_version"]
    assert second.json["promotion"]["promoted"] and canary != stable

    calls = [json.loads(line) for line in canary_log_for(project / ".longloop/inference/requests.jsonl").open()]
    sides = {(c["arm"], c["version"]) for c in calls}
    assert sides == {("canary", canary), ("stable", stable)}, sides  # the window's clients were split
    check = second.json["canary"]
    assert check["rollout"]["version"] == canary and check["rollout"]["stable"] == stable
    assert check["verdict"]["action"] == "complete", check["verdict"]
    assert check["evidence"]["canary"]["failed"] == 0 and check["evidence"]["canary"]["documents"] >= 10
    ledger = [json.loads(line) for line in (project / ".longloop/registry/promotions.jsonl").open()]
    assert [e["action"] for e in ledger] == ["promote", "promote", "rollout-complete"]

    status = run_cli(project, "status")
    assert status.code == 0 and f"rollout: v{canary} complete" in status.stdout, status.stdout
    back = run_cli(project, "rollback", "--reason", "checking the way back")
    assert back.code == 0 and f"from v{canary} to v{stable}" in back.stdout
