"""Quality from delayed labels: the champion's accuracy and calibration on the documents of a window whose
feedback labels have arrived, against what its evaluation measured on the test split (the drift reference).

A drift verdict says the inputs changed; this says whether the answers got worse. A window is ``degraded`` when
even the upper end of its accuracy's 95% Wilson interval lies more than ``monitoring.quality_margin`` below the
reference accuracy: a small labelled sample has a wide interval and raises no alarm on noise alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

MIN_LABELLED = 20  # fewer labelled documents in a window: no quality figure (the interval would say nothing)
Z95 = 1.959964


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(ece)


@dataclass(frozen=True)
class WindowQuality:
    n_labelled: int
    accuracy: float
    accuracy_low: float  # the 95% Wilson interval
    accuracy_high: float
    ece: float | None  # None when the rows carry no confidence
    reference_accuracy: float
    margin: float
    degraded: bool
    reason: str

    def to_dict(self) -> dict:
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _labelled(rows: list[dict]) -> list[dict]:
    return [r for r in rows if isinstance(r.get("label"), str) and isinstance(r.get("prediction"), str)]


def window_quality(reference: list[dict], current: list[dict], margin: float) -> WindowQuality | None:
    """None when the window has fewer than ``MIN_LABELLED`` labelled, predicted documents or the reference has
    no labelled predictions to compare with."""
    ref, cur = _labelled(reference), _labelled(current)
    if len(cur) < MIN_LABELLED or not ref:
        return None
    reference_accuracy = sum(r["prediction"] == r["label"] for r in ref) / len(ref)
    correct = np.array([r["prediction"] == r["label"] for r in cur], dtype=float)
    hits = int(correct.sum())
    low, high = wilson_interval(hits, len(cur))
    confidence = [r.get("confidence") for r in cur]
    ece = (
        expected_calibration_error(np.array(confidence, dtype=float), correct)
        if all(isinstance(c, (int, float)) for c in confidence)
        else None
    )
    degraded = high < reference_accuracy - margin
    reason = (
        f"accuracy {hits / len(cur):.3f} on {len(cur)} labelled documents (95% interval {low:.3f}-{high:.3f}) "
        + ("is below" if degraded else "is not below")
        + f" the evaluation's {reference_accuracy:.3f} by more than {margin}"
    )
    return WindowQuality(len(cur), hits / len(cur), low, high, ece, reference_accuracy, margin, degraded, reason)
