"""Plots a person would rather look at than read: reliability diagram and accuracy by length bucket."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def reliability_diagram(bins: list[dict], ece: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.bar([b["confidence"] for b in bins], [b["accuracy"] for b in bins], width=0.08, alpha=0.7,
           label="accuracy per confidence bin")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), title=f"Reliability (ECE {ece:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def length_bucket_chart(by_length: dict[str, dict], path: Path, title: str = "Accuracy by document length") -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    names = list(by_length)
    ax.bar(names, [by_length[n]["accuracy"] for n in names], color="#4c72b0")
    for i, n in enumerate(names):
        ax.text(i, by_length[n]["accuracy"] + 0.02, f"n={by_length[n]['count']}", ha="center", fontsize=8)
    ax.set(ylim=(0, 1.1), xlabel="tokens", ylabel="accuracy", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
