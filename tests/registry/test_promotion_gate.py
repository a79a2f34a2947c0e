from longloop.registry.promotion_gate import decide
from longloop.settings.params import PromotionParams

P = PromotionParams(min_improvement=0.01, max_ece_increase=0.02)
CHAMP = {"macro_f1": 0.80, "accuracy": 0.8, "ece": 0.05}


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
