"""The shadow rule's evidence: the challenger's model time per document over the champion's."""

from __future__ import annotations

import pytest

from longloop.registry.shadow_evidence import ShadowEvidence


@pytest.mark.parametrize("champion_ms, challenger_ms, ratio", [(10.0, 25.0, 2.5), (0.0, 5.0, None), (None, None, None)])
def test_latency_ratio_is_the_challenger_over_the_champion(champion_ms, challenger_ms, ratio):
    evidence = ShadowEvidence("2", "1", 10, 0.9, champion_ms, challenger_ms)
    assert evidence.latency_ratio == ratio and evidence.to_dict()["latency_ratio"] == ratio
