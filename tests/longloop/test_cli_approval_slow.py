"""The approval step as a user meets it: with ``registry.promotion.require_approval`` a trained challenger waits
instead of becoming the champion; `longloop status` says so; `longloop reject` keeps the champion unset and a later
version is approved with `longloop approve`, which makes it the champion with its drift reference. Real flows,
MLflow store and ledger."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cli_runner import run_cli

pytestmark = pytest.mark.slow


def _ledger(project):
    return [json.loads(line) for line in (project / ".longloop/registry/promotions.jsonl").read_text().splitlines()]


def _configure(project, seed: int) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["registry"]["promotion"]["require_approval"] = True
    params["project"] = {"seed": seed}
    (project / "params.yaml").write_text(yaml.safe_dump(params))


def test_a_gated_promotion_waits_then_is_rejected_and_a_later_one_approved(project):
    _configure(project, seed=1)
    first = run_cli(project, "run", "--json", timeout=900)
    assert first.code == 0, first.stderr[-2000:]
    promotion = first.json["promotion"]
    version = first.json["registry"]["version"]
    assert promotion["awaiting_approval"] and not promotion["promoted"] and promotion["champion_version"] is None
    assert f"longloop approve {version}" in promotion["reason"]
    status = run_cli(project, "status", "--json").json
    assert status["aliases"]["awaiting-approval"] == version and status["aliases"]["champion"] is None
    assert status["approval"]["version"] == version
    assert f"approval: v{version} waits since" in run_cli(project, "status").stdout

    rejected = run_cli(
        project, "reject", version, "--reason", "the card shows a label it never predicts", "--by", "carol"
    )
    assert rejected.code == 0, rejected.stderr[-2000:]
    assert rejected.stdout.strip() == f"v{version} rejected: champion stays unset"
    assert (_ledger(project)[-1]["who"], _ledger(project)[-1]["action"]) == ("carol", "reject")
    again = run_cli(project, "approve", version)
    assert again.code == 2 and f"v{version} is not awaiting approval (no version is)" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    _configure(project, seed=2)  # another seed: another model, so another version goes through the gate
    second = run_cli(project, "run", "--json", timeout=900)
    assert second.code == 0, second.stderr[-2000:]
    later = second.json["registry"]["version"]
    assert later != version and second.json["promotion"]["awaiting_approval"]

    approved = run_cli(project, "approve", later, "--reason", "reviewed the length slices", "--by", "dana", "--json")
    assert approved.code == 0, approved.stderr[-2000:]
    assert approved.json["champion_version"] == later and approved.json["ledger"]["who"] == "dana"
    status = run_cli(project, "status", "--json").json
    assert status["aliases"]["champion"] == later and status["approval"] is None
    reference = [
        json.loads(line) for line in (project / ".longloop/monitoring/reference.jsonl").read_text().splitlines()
    ]
    assert reference and all("prediction" in row for row in reference)
    actions = [e["action"] for e in _ledger(project)]
    assert actions == ["await-approval", "reject", "await-approval", "approve"]
