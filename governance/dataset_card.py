"""A dataset card: counts, licenses, sources, hashes, checks, waivers and verdicts, as JSON and Markdown."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from longloop.corpus.records import Record
from longloop.governance.gate import GateReport


def dataset_card(records: list[Record], report: GateReport, data_hash: str | None, source_path: str) -> dict:
    license_check = report.checks.get("license")
    breakdown = getattr(license_check.summary, "breakdown", {}) if license_check else {}
    return {
        "source": source_path,
        "dvc_md5": data_hash,
        "records": len(records),
        "splits": dict(Counter(r.split or "train" for r in records)),
        "labels": dict(Counter(r.label for r in records)),
        "sources": dict(Counter(r.source for r in records)),
        "licenses": breakdown,
        "verdict": report.verdict,
        "reasons": report.reasons,
        "warnings": report.warnings,
        "checks": {
            name: {
                "passed": c.passed,
                "action": c.action,
                "violations": c.violations,
                "violations_before_waivers": c.violations_before_waivers,
                "waived": c.waived,
                "quarantined": c.quarantined,
            }
            for name, c in report.checks.items()
        },
        "removed": len(report.removed),
        "quarantine": asdict(report.quarantine) if report.quarantine else None,
        # Who accepted what, and what it changed: a waiver is a decision someone is answerable for.
        "waivers": {
            "source": report.waiver_source,
            "entries": [w.to_dict() for w in report.waivers],
            "unused": sum(w.matched == 0 for w in report.waivers),
            "violations_before": {name: c.violations_before_waivers for name, c in report.checks.items()},
            "violations_after": {name: c.violations for name, c in report.checks.items()},
        },
    }


def _cell(value: object, limit: int = 80) -> str:
    text = " ".join(str(value).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _result(c: dict) -> str:
    if not c["passed"]:
        return "FAIL"
    if c["violations"] and c.get("action") in ("quarantine", "warn"):
        return "quarantined" if c["action"] == "quarantine" else "warned"
    return "pass"


def card_markdown(card: dict) -> str:
    def table(title: str, counts: dict) -> str:
        rows = "\n".join(f"| {_cell(k)} | {v} |" for k, v in counts.items())
        return f"### {title}\n\n| value | count |\n|---|---|\n{rows}\n"

    checks = "\n".join(
        f"| {name} | {c.get('action', '')} | {_result(c)} "
        f"| {c.get('violations_before_waivers', c['violations'])} | {c.get('waived', 0)} "
        f"| {c['violations']} |"
        for name, c in card["checks"].items()
    )
    waivers = card.get("waivers") or {}
    entries = waivers.get("entries") or []
    waiver_md = ""
    if entries:
        rows = "\n".join(
            f"| {e['kind']} | {_cell(e['value'], 60)} | {e.get('check') or 'any'} | {_cell(e['reason'])} "
            f"| {_cell(e['accepted_by'], 40)} | {e['matched']} |"
            for e in entries
        )
        waiver_md = (
            f"## Waivers\n\nFrom `{waivers.get('source')}`; {waivers.get('unused', 0)} matched nothing.\n\n"
            "| kind | value | check | reason | accepted by | matched |\n"
            f"|---|---|---|---|---|---|\n{rows}\n\n"
        )
    q = card.get("quarantine") or {}
    quarantine = (
        (
            f"Quarantined: {q['records']} records ({q['share']:.1%}; cap "
            f"{'none' if q['max_share'] is None else format(q['max_share'], '.0%')}), "
            f"and {q.get('deduplicated', 0)} redundant copies dropped  \n"
        )
        if q
        else ""
    )
    return (
        f"# Dataset card\n\nSource: `{card['source']}`  \nDVC md5: `{card['dvc_md5']}`  \n"
        f"Records: {card['records']} (removed by the gate: {card['removed']})  \n{quarantine}"
        f"Verdict: **{card['verdict']}**\n\n"
        f"## Checks\n\n| check | action | result | violations before waivers | waived | violations |\n"
        f"|---|---|---|---|---|---|\n{checks}\n\n"
        + waiver_md
        + table("Splits", card["splits"])
        + "\n"
        + table("Labels", card["labels"])
        + "\n"
        + table("Licenses (SPDX)", card["licenses"])
        + "\n"
        + table("Sources", card["sources"])
    )
