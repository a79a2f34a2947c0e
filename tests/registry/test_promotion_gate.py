import pytest

from longloop.registry.promotion_gate import decide
from longloop.settings.params import PromotionParams

P = PromotionParams(min_improvement=0.01, max_ece_increase=0.02)
BASELINE = {"comparisons": {"tfidf_logistic_regression": {"macro_f1": 0.70, "accuracy": 0.7}}}
CHAMP = {"macro_f1": 0.80, "accuracy": 0.8, "ece": 0.05, **BASELINE}


def test_first_model_is_promoted_only_after_the_infra_check():
    assert decide(CHAMP, None, P, infra_ok=True).promote
    refused = decide(CHAMP, None, P, infra_ok=False, infra_detail="exit 1")
    assert not refused.promote and "infra check failed" in refused.reason


def test_margin_and_calibration_limits():
    assert decide({**CHAMP, "macro_f1": 0.82}, CHAMP, P, True).promote
    assert not decide({**CHAMP, "macro_f1": 0.805}, CHAMP, P, True).promote
    worse_calibrated = decide({**CHAMP, "macro_f1": 0.9, "ece": 0.2}, CHAMP, P, True)
    assert not worse_calibrated.promote and "calibration regressed" in worse_calibrated.reason


def test_equal_model_is_not_promoted_with_zero_margin():
    assert not decide(CHAMP, CHAMP, PromotionParams(min_improvement=0.0), True).promote


def test_robustness_regression_blocks_promotion():
    champ = {**CHAMP, "robustness_max_drop": 0.02}
    brittle = decide({**champ, "macro_f1": 0.9, "robustness_max_drop": 0.2}, champ, P, True)
    assert not brittle.promote and "robustness regressed" in brittle.reason
    assert decide({**champ, "macro_f1": 0.9, "robustness_max_drop": 0.05}, champ, P, True).promote


def test_a_challenger_that_loses_to_the_tfidf_baseline_is_refused_even_without_a_champion():
    loser = {**CHAMP, "macro_f1": 0.30, "comparisons": {"tfidf_logistic_regression": {"macro_f1": 0.42}}}
    refused = decide(loser, None, P, infra_ok=True)
    assert not refused.promote and "TF-IDF baseline" in refused.reason and "-0.1200" in refused.reason
    assert refused.challenger["baseline_margin"] == pytest.approx(-0.12)
    assert not decide(loser, CHAMP, P, infra_ok=True).promote


def test_baseline_margin_is_configurable_and_can_be_turned_off():
    close = {**CHAMP, "comparisons": {"tfidf_logistic_regression": {"macro_f1": 0.78}}}
    assert decide(close, None, PromotionParams(min_gain_over_baseline=0.0), True).promote
    assert not decide(close, None, PromotionParams(min_gain_over_baseline=0.05), True).promote
    no_baseline = {"macro_f1": 0.8, "accuracy": 0.8, "ece": 0.05}
    assert not decide(no_baseline, None, PromotionParams(), True).promote
    assert decide(no_baseline, None, PromotionParams(min_gain_over_baseline=None), True).promote
