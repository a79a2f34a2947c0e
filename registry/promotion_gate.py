"""Champion/challenger decision: beat the traditional baseline and the champion by their margins on the same
set without losing calibration or robustness."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from longloop.settings.params import PromotionParams


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str
    challenger: dict
    champion: dict | None

    def to_dict(self) -> dict:
        return asdict(self)


def decide(
    challenger: dict, champion: dict | None, params: PromotionParams, infra_ok: bool, infra_detail: str = ""
) -> PromotionDecision:
    """``challenger``/``champion`` are metric dicts measured on the same evaluation set."""
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
