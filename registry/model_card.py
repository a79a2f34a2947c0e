"""The model card shipped inside every registered model: use, data, evaluation by slice, limitations."""

from __future__ import annotations


def model_card_markdown(name: str, labels: tuple[str, ...], snapshot: dict, data_card: dict, metrics: dict) -> str:
    slices = "\n".join(f"| {b} | {v['accuracy']:.3f} | {v['count']} |" for b, v in metrics.get("by_length", {}).items())
    licenses = ", ".join(f"{k} ({v})" for k, v in data_card.get("licenses", {}).items())
    return f"""# Model card: {name}

## Intended use
Document classification into {", ".join(labels)} for long documents (sliding windows cover the whole text).
Not for decisions about people without human review.

## Training data
DVC snapshot `{snapshot.get("md5")}` ({snapshot.get("path")}, remote `{snapshot.get("remote")}`);
restore it with `longloop restore-data --md5 {snapshot.get("md5")}`.
Records: {data_card.get("records")}; governance verdict: {data_card.get("verdict")}; licenses: {licenses}.

## Evaluation (held-out test split)
accuracy {metrics["accuracy"]:.4f}, macro-F1 {metrics["macro_f1"]:.4f}, ECE {metrics["ece"]:.4f}
(before temperature scaling {metrics["ece_uncalibrated"]:.4f}, temperature {metrics["temperature"]:.3f}).

| length bucket (tokens) | accuracy | documents |
|---|---|---|
{slices}
{_precisions(metrics)}{_robustness(metrics)}{_comparisons(metrics)}
## Limitations
Trained on the snapshot above only; accuracy on other domains, alphabets or much longer documents is not
measured here. The drift job watches production traffic for those shifts.
"""


_VARIANT_DESCRIPTIONS = {
    "int8": "linear layers dynamically quantised at load time, CPU",
    "bf16": "the whole model cast to bfloat16 at load time",
}


def _precisions(metrics: dict) -> str:
    lines = []
    for name, description in _VARIANT_DESCRIPTIONS.items():
        q = metrics.get(name)
        if not q:
            continue
        lines.append(
            f"\n{name} variant ({description}), same test split: accuracy "
            f"{q[name]['accuracy']:.4f} (fp32 {q['fp32']['accuracy']:.4f}), macro-F1 {q[name]['macro_f1']:.4f}, "
            f"{q['speedup']:.2f}x fp32's speed ({q[name]['seconds_per_1000_documents']:.1f} vs "
            f"{q['fp32']['seconds_per_1000_documents']:.1f} s per 1,000 documents), {q['agreement']:.1%} of labels "
            f"agree.\n"
        )
    if not lines:
        return ""
    served = metrics.get("served_precision") or {"precision": "fp32", "reason": "no choice was recorded"}
    return "".join(lines) + f"Served in {served['precision']} ({served['reason']}).\n"


def _robustness(metrics: dict) -> str:
    rob = metrics.get("robustness")
    if not rob:
        return ""
    rows = "\n".join(f"| {n} | {v['accuracy']:.3f} | {v['drop']:+.3f} |" for n, v in rob["perturbations"].items())
    return (
        f"\n## Robustness and out-of-distribution detection\n"
        f"| perturbation | accuracy | drop |\n|---|---|---|\n{rows}\n\n"
        f"Worst drop {rob['max_drop']:+.3f} ({rob['worst']}). OOD AUROC on a transliterated copy of the test "
        f"set: max-softmax {metrics['ood_auroc_max_softmax']:.3f}, energy {metrics['ood_auroc_energy']:.3f}.\n"
    )


def _comparisons(metrics: dict) -> str:
    comp = metrics.get("comparisons")
    if not comp:
        return ""
    long_n = comp["long_documents"]["count"]

    def long_acc(name: str) -> str:
        value = comp[name]["long_documents_accuracy"]
        return "n/a" if value is None else f"{value:.3f}"

    rows = "\n".join(
        f"| {label} | {comp[n]['accuracy']:.3f} | {comp[n]['macro_f1']:.3f} | {long_acc(n)} |"
        for n, label in (
            ("full_context", "this model, whole document"),
            ("first_512_tokens", "this model, first 512 tokens"),
            ("tfidf_logistic_regression", "TF-IDF + logistic regression"),
        )
    )
    return (
        f"\n## Does long context earn its cost? (same test split)\n"
        f"| model | accuracy | macro-F1 | accuracy over {comp['long_documents']['min_tokens'] - 1} tokens "
        f"(n={long_n}) |\n|---|---|---|---|\n{rows}\n"
    )
