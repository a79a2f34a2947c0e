"""A dataset card: counts, licenses, sources, hashes, checks and verdicts, as JSON and Markdown."""

from __future__ import annotations

from collections import Counter

from longloop.corpus.records import Record
from longloop.governance.gate import GateReport


def dataset_card(records: list[Record], report: GateReport, data_hash: str | None, source_path: str) -> dict:
    return {
        "source": source_path,
        "dvc_md5": data_hash,
        "records": len(records),
        "splits": dict(Counter(r.split or "train" for r in records)),
        "labels": dict(Counter(r.label for r in records)),
        "sources": dict(Counter(r.source for r in records)),
        "licenses": report.checks["license"]["breakdown"],
        "verdict": report.verdict,
        "reasons": report.reasons,
        "checks": {name: {"passed": c["passed"], "violations": c["violations"]} for name, c in report.checks.items()},
        "removed": len(report.removed),
    }


def card_markdown(card: dict) -> str:
    def table(title: str, counts: dict) -> str:
        rows = "\n".join(f"| {k} | {v} |" for k, v in counts.items())
        return f"### {title}\n\n| value | count |\n|---|---|\n{rows}\n"

    checks = "\n".join(f"| {name} | {'pass' if c['passed'] else 'FAIL'} | {c['violations']} |"
                       for name, c in card["checks"].items())
    return (
        f"# Dataset card\n\nSource: `{card['source']}`  \nDVC md5: `{card['dvc_md5']}`  \n"
        f"Records: {card['records']} (removed by the gate: {card['removed']})  \n"
        f"Verdict: **{card['verdict']}**\n\n"
        f"## Checks\n\n| check | result | violations |\n|---|---|---|\n{checks}\n\n"
        + table("Splits", card["splits"]) + "\n" + table("Labels", card["labels"]) + "\n"
        + table("Licenses (SPDX)", card["licenses"]) + "\n" + table("Sources", card["sources"])
    )
