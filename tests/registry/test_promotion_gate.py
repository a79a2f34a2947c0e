import pytest

from longloop.registry.promotion_gate import decide
from longloop.registry.shadow_evidence import ShadowEvidence
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


def test_the_served_tfidf_model_is_not_held_to_beating_the_tfidf_baseline():
    """model.architecture: tfidf_logreg (or auto picking it) is the traditional model: the rule is for models that
    must earn their cost against it; the other rules still apply."""
    tfidf = {**CHAMP, "architecture": "tfidf_logreg", "comparisons": {"tfidf_logistic_regression": {"macro_f1": 0.81}}}
    assert decide(tfidf, None, P, infra_ok=True).promote
    assert not decide({**tfidf, "macro_f1": 0.5}, CHAMP, P, infra_ok=True).promote  # still judged against the champion


def test_baseline_margin_is_configurable_and_can_be_turned_off():
    close = {**CHAMP, "comparisons": {"tfidf_logistic_regression": {"macro_f1": 0.78}}}
    assert decide(close, None, PromotionParams(min_gain_over_baseline=0.0), True).promote
    assert not decide(close, None, PromotionParams(min_gain_over_baseline=0.05), True).promote
    no_baseline = {"macro_f1": 0.8, "accuracy": 0.8, "ece": 0.05}
    assert not decide(no_baseline, None, PromotionParams(), True).promote
    assert decide(no_baseline, None, PromotionParams(min_gain_over_baseline=None), True).promote


def _shadow_params(**rules):
    return PromotionParams(min_gain_over_baseline=None, shadow_min_documents=50, **rules)


CHAMPION = {"macro_f1": 0.80, "accuracy": 0.80, "ece": 0.05, "robustness_max_drop": 0.02}
BETTER = {"macro_f1": 0.85, "accuracy": 0.85, "ece": 0.05, "robustness_max_drop": 0.02}


@pytest.mark.parametrize(
    "evidence, promote, waits, needle",
    [
        (None, False, True, "shadow: 0 of registry.promotion.shadow_min_documents 50"),
        (ShadowEvidence("2", "1", 49, 1.0, 5.0, 5.0), False, True, "shadow: 49 of"),
        (ShadowEvidence("2", "1", 60, 0.7, 5.0, 5.0), False, False, "agreed with the champion on 0.700 of 60"),
        (ShadowEvidence("2", "1", 60, 0.95, 5.0, 12.5), False, False, "2.50x the champion's model time"),
        (ShadowEvidence("2", "1", 60, 0.95, 5.0, 6.0), True, False, "agreed with the champion on 0.950 of 60"),
    ],
)
def test_the_shadow_rule_needs_a_live_sample_that_agrees_and_is_not_too_slow(evidence, promote, waits, needle):
    decision = decide(BETTER, CHAMPION, _shadow_params(), True, "", evidence)
    assert (decision.promote, decision.awaiting_shadow) == (promote, waits) and needle in decision.reason
    if evidence is not None and evidence.documents >= 50:
        assert decision.challenger["shadow"] == evidence.to_dict()


def test_the_shadow_rule_is_off_at_zero_documents_and_never_applies_to_a_first_challenger():
    assert decide(BETTER, CHAMPION, PromotionParams(min_gain_over_baseline=None), True).promote
    first = decide(BETTER, None, _shadow_params(), True)
    assert first.promote and first.reason == "no champion yet"
    worse = decide(CHAMPION, BETTER, _shadow_params(), True, "", ShadowEvidence("2", "1", 60, 1.0, 5.0, 5.0))
    assert not worse.promote and not worse.awaiting_shadow and "below the margin" in worse.reason
    no_latency_limit = _shadow_params(shadow_max_latency_ratio=None)
    assert decide(BETTER, CHAMPION, no_latency_limit, True, "", ShadowEvidence("2", "1", 60, 1.0, 1.0, 9.0)).promote
