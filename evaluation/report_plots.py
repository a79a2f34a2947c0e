"""Plots a person would rather look at than read: calibration, length slices, robustness, comparisons."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def reliability_diagram(bins: list[dict], ece: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.bar(
        [b["confidence"] for b in bins],
        [b["accuracy"] for b in bins],
        width=0.08,
        alpha=0.7,
        label="accuracy per confidence bin",
    )
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


def robustness_chart(robustness: dict, clean_accuracy: float, path: Path) -> Path:
    per = robustness["perturbations"]
    names = list(per)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    ax.bar(names, [per[n]["accuracy"] for n in names], color="#dd8452")
    ax.axhline(clean_accuracy, ls="--", color="grey", label=f"clean accuracy {clean_accuracy:.3f}")
    ax.set(ylim=(0, 1.1), ylabel="accuracy", title=f"Robustness (worst drop {robustness['max_drop']:+.3f})")
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def comparison_chart(comparisons: dict, path: Path) -> Path:
    names = ["full_context", "first_512_tokens", "tfidf_logistic_regression"]
    long_n = comparisons["long_documents"]["count"]
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    width = 0.38
    for k, (key, label) in enumerate(
        (
            ("accuracy", "all documents"),
            ("long_documents_accuracy", f"> {comparisons['long_documents']['min_tokens'] - 1} tokens (n={long_n})"),
        )
    ):
        values = [comparisons[n][key] or 0.0 for n in names]
        ax.bar([i + (k - 0.5) * width for i in range(len(names))], values, width, label=label)
    ax.set_xticks(range(len(names)), ["whole document", "first 512 tokens", "TF-IDF + LR"])
    ax.set(ylim=(0, 1.1), ylabel="accuracy", title="Does long context earn its cost?")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def pareto_chart(candidates: list[dict], front: list[str], recommended: str, path: Path) -> Path:
    """Macro-F1 against CPU cost per 1,000 documents, one point per candidate, the Pareto front joined."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for c in candidates:
        on_front = c["name"] in front
        ax.scatter(
            c["cost_per_1000_documents"],
            c["macro_f1"],
            s=70,
            marker="*" if c["name"] == recommended else "o",
            color="#c44e52" if on_front else "#8c8c8c",
            zorder=3,
        )
        ax.annotate(
            f"{c['name']}\n{c['ms_per_document']:.1f} ms/doc",
            (c["cost_per_1000_documents"], c["macro_f1"]),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=7,
        )
    edge = sorted((c for c in candidates if c["name"] in front), key=lambda c: c["cost_per_1000_documents"])
    ax.plot(
        [c["cost_per_1000_documents"] for c in edge],
        [c["macro_f1"] for c in edge],
        "-",
        color="#c44e52",
        alpha=0.6,
        label="Pareto front",
    )
    if all(c["cost_per_1000_documents"] > 0 for c in candidates):
        ax.set_xscale("log")
    ax.margins(x=0.35, y=0.2)  # room for the labels beside the points at the edges
    ax.set(
        xlabel="CPU cost per 1,000 documents, USD (evaluation.cpu_hour_cost; log)",
        ylabel="macro-F1 (test split)",
        title=f"Cost against quality: {recommended} recommended",
    )
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
