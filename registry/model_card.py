"""The model card shipped inside every registered model: use, data, evaluation by slice, limitations."""

from __future__ import annotations


def model_card_markdown(name: str, labels: tuple[str, ...], snapshot: dict, data_card: dict, metrics: dict) -> str:
    slices = "\n".join(f"| {b} | {v['accuracy']:.3f} | {v['count']} |" for b, v in metrics.get("by_length", {}).items())
    licenses = ", ".join(f"{k} ({v})" for k, v in data_card.get("licenses", {}).items())
    return f"""# Model card: {name}

## Intended use
Document classification into {', '.join(labels)} for long documents (sliding windows cover the whole text).
Not for decisions about people without human review.

## Training data
DVC snapshot `{snapshot.get('md5')}` ({snapshot.get('path')}, remote `{snapshot.get('remote')}`);
restore it with `longloop restore-data --md5 {snapshot.get('md5')}`.
Records: {data_card.get('records')}; governance verdict: {data_card.get('verdict')}; licenses: {licenses}.

## Evaluation (held-out test split)
accuracy {metrics['accuracy']:.4f}, macro-F1 {metrics['macro_f1']:.4f}, ECE {metrics['ece']:.4f}
(before temperature scaling {metrics['ece_uncalibrated']:.4f}, temperature {metrics['temperature']:.3f}).

| length bucket (tokens) | accuracy | documents |
|---|---|---|
{slices}

## Limitations
Trained on the snapshot above only; accuracy on other domains, alphabets or much longer documents is not
measured here. The drift job watches production traffic for those shifts.
"""
