"""Shadow mode through the whole loop: a challenger that passes every metric waits at the gate until it has
answered live traffic beside the champion (the pipeline's own serving window, ``serving.shadow``), and the next
cycle refuses it because it disagrees with the champion. Real flows, serving process, MLflow store, ledger."""

from __future__ import annotations

import json

import pytest
import yaml

from longloop.registry.shadow_evidence import shadow_log_for
from tests.cli_runner import run_cli

pytestmark = pytest.mark.slow


def _configure(project, min_agreement: float, **training) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["serving"]["shadow"] = True
    # Every metric rule is relaxed, so that only the shadow rule decides.
    params["registry"]["promotion"].update(
        min_improvement=-1.0,
        max_ece_increase=1.0,
        max_robustness_drop_increase=1.0,
        shadow_min_documents=30,
        shadow_min_agreement=min_agreement,
        shadow_max_latency_ratio=None,
    )
    params["training"].update(training)
    params["retraining"] = {"enabled": False}  # the windows' drift must not add cycles of its own here
    (project / "params.yaml").write_text(yaml.safe_dump(params))


def test_a_challenger_waits_for_its_shadow_sample_and_is_refused_when_it_disagrees(project):
    _configure(project, 0.9)
    first = run_cli(project, "run", "--json", timeout=900)
    assert first.code == 0, first.stderr[-2000:]
    champion = first.json["promotion"]["champion_version"]
    assert first.json["promotion"]["reason"] == "no champion yet"  # nothing to shadow against

    # A barely trained challenger: it passes the relaxed metric rules but answers unlike the champion.
    _configure(project, 0.9, learning_rate=1e-6)
    second = run_cli(project, "run", "--json", timeout=900)
    assert second.code == 0, second.stderr[-2000:]
    challenger = second.json["registry"]["version"]
    promotion = second.json["promotion"]
    assert promotion["awaiting_shadow"] and not promotion["promoted"] and promotion["champion_version"] == champion
    assert "shadow: 0 of registry.promotion.shadow_min_documents 30" in promotion["reason"]
    # The pipeline served the champion and shadowed the challenger on its production window.
    rows = [json.loads(line) for line in shadow_log_for(project / ".longloop/inference/requests.jsonl").open()]
    mine = [r for r in rows if (r["champion_version"], r["challenger_version"]) == (champion, challenger)]
    assert len(mine) >= 30, len(mine)
    agreement = sum(r["agree"] for r in mine) / len(mine)
    assert agreement < 1.0, agreement  # measured: 0.9, as the tiny champion also answers one label most often

    _configure(project, 1.0, learning_rate=1e-6)  # the same model; a rule that any disagreement fails
    third = run_cli(project, "run", "--json", timeout=900)  # same data and parameters: the same version again
    assert third.code == 0, third.stderr[-2000:]
    assert third.json["registry"]["version"] == challenger
    promotion = third.json["promotion"]
    assert not promotion["promoted"] and not promotion["awaiting_shadow"]
    assert "shadow: agreed with the champion on" in promotion["reason"] and "below" in promotion["reason"]
    assert promotion["champion_version"] == champion
    ledger = [json.loads(line) for line in (project / ".longloop/registry/promotions.jsonl").open()]
    assert [e["action"] for e in ledger] == ["promote", "await-shadow", "refuse"]
    assert ledger[-1]["metrics"]["shadow"]["documents"] >= 30
