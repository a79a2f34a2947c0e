"""What the shadow log (written by ``serving/shadow.py``) says about a challenger against the champion: the
evidence the promotion gate's shadow rule reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longloop.corpus.atomic_files import read_jsonl_complete


def shadow_log_for(inference_log: Path) -> Path:
    """The shadow log lives beside the inference log it shadows."""
    return inference_log.with_name("shadow.jsonl")


@dataclass(frozen=True)
class ShadowEvidence:
    """What the shadow log says about ``challenger_version`` against ``champion_version`` on live traffic."""

    challenger_version: str
    champion_version: str
    documents: int
    agreement: float | None
    champion_ms_p50: float | None
    challenger_ms_p50: float | None

    @property
    def latency_ratio(self) -> float | None:
        """The challenger's median model milliseconds per document over the champion's."""
        if not self.champion_ms_p50 or self.challenger_ms_p50 is None:
            return None
        return self.challenger_ms_p50 / self.champion_ms_p50

    def to_dict(self) -> dict:
        return {
            "challenger_version": self.challenger_version,
            "champion_version": self.champion_version,
            "documents": self.documents,
            "agreement": self.agreement,
            "champion_ms_p50": self.champion_ms_p50,
            "challenger_ms_p50": self.challenger_ms_p50,
            "latency_ratio": self.latency_ratio,
        }


def shadow_evidence(shadow_log: Path, challenger_version: str, champion_version: str) -> ShadowEvidence:
    rows = [
        r
        for r in read_jsonl_complete(shadow_log)
        if r.get("challenger_version") == challenger_version and r.get("champion_version") == champion_version
    ]
    if not rows:
        return ShadowEvidence(challenger_version, champion_version, 0, None, None, None)
    return ShadowEvidence(
        challenger_version,
        champion_version,
        len(rows),
        sum(bool(r["agree"]) for r in rows) / len(rows),
        float(np.median([r["champion_ms_per_document"] for r in rows])),
        float(np.median([r["challenger_ms_per_document"] for r in rows])),
    )
