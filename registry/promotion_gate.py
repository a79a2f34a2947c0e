"""Champion/challenger decision: beat the traditional baseline and the champion by their margins on the same
set without losing calibration or robustness."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from longloop.registry.shadow_evidence import ShadowEvidence
from longloop.settings.params import PromotionParams


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str
    challenger: dict
    champion: dict | None
    awaiting_shadow: bool = False  # every other rule passed; too few live documents answered in shadow yet

    def to_dict(self) -> dict:
        return asdict(self)


def decide(
    challenger: dict,
    champion: dict | None,
    params: PromotionParams,
    infra_ok: bool,
    infra_detail: str = "",
    shadow: ShadowEvidence | None = None,
) -> PromotionDecision:
    """``challenger``/``champion`` are metric dicts measured on the same evaluation set; ``shadow`` is what the
    challenger answered beside the champion on live traffic (None: nothing recorded)."""
    decision = _decide_on_metrics(challenger, champion, params, infra_ok, infra_detail)
    if not decision.promote or champion is None or params.shadow_min_documents == 0:
        return decision
    return _shadow_rule(decision, shadow, params)


def _shadow_rule(
    decision: PromotionDecision, shadow: ShadowEvidence | None, params: PromotionParams
) -> PromotionDecision:
    """The last rule, once every metric passed: enough live documents answered in shadow, close enough to the
    champion's labels, not too much slower."""
    n = shadow.documents if shadow is not None else 0
    if shadow is None or n < params.shadow_min_documents or shadow.agreement is None:
        return replace(
            decision,
            promote=False,
            awaiting_shadow=True,
            reason=(
                f"{decision.reason}; shadow: {n} of registry.promotion.shadow_min_documents "
                f"{params.shadow_min_documents} live documents answered beside the champion so far: it stays the "
                f"challenger (serving.shadow answers them) and the next cycle that reaches the gate decides"
            ),
        )
    evidence = shadow.to_dict()
    if shadow.agreement < params.shadow_min_agreement:
        return replace(
            decision,
            promote=False,
            reason=(
                f"shadow: agreed with the champion on {shadow.agreement:.3f} of {n} live documents, below "
                f"registry.promotion.shadow_min_agreement {params.shadow_min_agreement}"
            ),
            challenger=decision.challenger | {"shadow": evidence},
        )
    ratio = shadow.latency_ratio
    if params.shadow_max_latency_ratio is not None and ratio is not None and ratio > params.shadow_max_latency_ratio:
        return replace(
            decision,
            promote=False,
            reason=(
                f"shadow: {ratio:.2f}x the champion's model time per document on {n} live documents, over "
                f"registry.promotion.shadow_max_latency_ratio {params.shadow_max_latency_ratio}"
            ),
            challenger=decision.challenger | {"shadow": evidence},
        )
    speed = f" at {ratio:.2f}x its model time" if ratio is not None else ""
    return replace(
        decision,
        reason=f"{decision.reason}; shadow: agreed with the champion on {shadow.agreement:.3f} of {n} live "
        f"documents{speed}",
        challenger=decision.challenger | {"shadow": evidence},
    )


def _decide_on_metrics(
    challenger: dict, champion: dict | None, params: PromotionParams, infra_ok: bool, infra_detail: str
) -> PromotionDecision:
    keep = {k: challenger.get(k) for k in (params.metric, "accuracy", "ece", "robustness_max_drop")}
    if not infra_ok:
        return PromotionDecision(False, f"infra check failed: {infra_detail}", keep, champion)
    refused = _below_baseline(challenger, params)
    if refused:  # a first challenger too: a transformer that loses to TF-IDF does not earn its cost
        return PromotionDecision(
            False, refused, keep | {"baseline_margin": baseline_gain(challenger, params)}, champion
        )
    if champion is None:
        return PromotionDecision(True, "no champion yet", keep, None)
    gain = challenger[params.metric] - champion[params.metric]
    ece_increase = challenger["ece"] - champion["ece"]
    if gain < params.min_improvement or (gain == 0 and params.min_improvement == 0):
        return PromotionDecision(
            False,
            f"{params.metric} {challenger[params.metric]:.4f} vs champion "
            f"{champion[params.metric]:.4f}: gain {gain:+.4f} is below the margin "
            f"{params.min_improvement:+.4f}",
            keep,
            champion,
        )
    if ece_increase > params.max_ece_increase:
        return PromotionDecision(
            False,
            f"calibration regressed: ECE {challenger['ece']:.4f} vs "
            f"{champion['ece']:.4f} (limit +{params.max_ece_increase})",
            keep,
            champion,
        )
    drop_increase = challenger.get("robustness_max_drop", 0.0) - champion.get("robustness_max_drop", 0.0)
    if drop_increase > params.max_robustness_drop_increase:
        return PromotionDecision(
            False,
            f"robustness regressed: worst accuracy drop under perturbation "
            f"{challenger['robustness_max_drop']:.4f} vs {champion['robustness_max_drop']:.4f} "
            f"(limit +{params.max_robustness_drop_increase})",
            keep,
            champion,
        )
    return PromotionDecision(
        True,
        f"{params.metric} {challenger[params.metric]:.4f} beats champion {champion[params.metric]:.4f} by {gain:+.4f}",
        keep,
        champion,
    )


BASELINE = "tfidf_logistic_regression"
SERVED_BASELINE = "tfidf_logreg"  # the same kind of model as an architecture of its own (model.architecture)


def baseline_gain(challenger: dict, params: PromotionParams) -> float | None:
    """The challenger's metric minus the traditional baseline's on the same split (None: no baseline measured)."""
    base = (challenger.get("comparisons") or {}).get(BASELINE)
    if base is None or base.get(params.metric) is None:
        return None
    return challenger[params.metric] - base[params.metric]


def _below_baseline(challenger: dict, params: PromotionParams) -> str | None:
    """Why the challenger fails the baseline rule, or None when it passes (or the rule is off)."""
    if params.min_gain_over_baseline is None:
        return None
    if challenger.get("architecture") == SERVED_BASELINE:
        return None  # the challenger is the traditional model itself: there is nothing to earn against it
    gain = baseline_gain(challenger, params)
    if gain is None:
        return (
            f"no {BASELINE} baseline was evaluated on the same split, so the challenger cannot show it beats "
            f"it (registry.promotion.min_gain_over_baseline: null turns this rule off)"
        )
    if gain < params.min_gain_over_baseline:
        base = challenger["comparisons"][BASELINE][params.metric]
        return (
            f"{params.metric} {challenger[params.metric]:.4f} vs the TF-IDF baseline's {base:.4f} on the same "
            f"split: margin {gain:+.4f} is below registry.promotion.min_gain_over_baseline "
            f"{params.min_gain_over_baseline:+.4f}"
        )
    return None
