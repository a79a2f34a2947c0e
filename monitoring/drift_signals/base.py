"""What a drift signal is: a name, when it applies, and one two-sample test of the reference against a window.

The detector runs every enabled signal and Bonferroni-corrects across them, so a signal only has to give a
p-value that is valid under exchangeable no-drift windows; the threshold it is held to (``alpha`` over the
number of enabled signals) and the permutation budget that threshold needs come in through ``SignalContext``.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class Window:
    """One side of a comparison: per-document features (``drift_features.document_features``) and the rows."""

    features: dict[str, np.ndarray]
    rows: list[dict]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class SignalContext:
    alpha: float
    n_signals: int  # the enabled signals: the Bonferroni divisor
    permutations: int  # the budget of a permutation test, enough that it can reach ``threshold``
    seed: int = 0

    @property
    def threshold(self) -> float:
        return self.alpha / self.n_signals

    def seed_for(self, name: str) -> list[int]:
        """A signal's own random stream: adding or removing another signal does not change its draws."""
        return [self.seed, zlib.crc32(name.encode())]


@dataclass(frozen=True)
class SignalResult:
    statistic: float
    p_value: float
    threshold: float
    method: str
    extra: dict = field(default_factory=dict)  # e.g. the permutations drawn, the documents compared

    @property
    def drift(self) -> bool:
        return self.p_value < self.threshold

    def to_dict(self) -> dict:
        """The JSON shape of ``checks.<name>`` that the CLI, the history and the alerts read."""
        return {
            "statistic": round(float(self.statistic), 6),
            "p_value": float(self.p_value),
            "threshold": self.threshold,
            "drift": self.drift,
            "method": self.method,
            **self.extra,
        }


class DriftSignal(ABC):
    """Subclasses set ``name`` and ``method`` and implement ``test``; ``enabled`` defaults to always."""

    name: ClassVar[str]
    method: ClassVar[str]

    def enabled(self, reference: Window, current: Window) -> bool:
        return True

    @abstractmethod
    def test(self, reference: Window, current: Window, ctx: SignalContext) -> tuple[float, float, dict]:
        """(statistic, p-value, extra fields for the result)."""

    def run(self, reference: Window, current: Window, ctx: SignalContext) -> SignalResult:
        statistic, p_value, extra = self.test(reference, current, ctx)
        return SignalResult(float(statistic), float(p_value), ctx.threshold, self.method, extra)
