"""``longloop govern`` with --findings and --waivers: every finding to a JSONL file, reviewed waivers applied."""

import json

from tests.cli_runner import run_cli


def _lines(path):
    return [json.loads(line) for line in path.read_text().split("\n") if line]


def test_govern_writes_every_finding_and_applies_waivers(project):
    assert (
        run_cli(project, "demo-data", "--out", "data.jsonl", "--n", "300", "--plant", "pii", "--plant", "licenses").code
        == 0
    )
    res = run_cli(project, "govern", "--data", "data.jsonl", "--findings", "out/findings.jsonl", "--json")
    assert res.code == 1, res.stderr[-2000:]
    findings = _lines(project / "out" / "findings.jsonl")
    by_check = {}
    for row in findings:
        by_check.setdefault(row["check"], []).append(row)
    checks = res.json["checks"]
    assert len(by_check["pii"]) == checks["pii"]["violations"] > 0
    assert {r["record_id"] for r in by_check["pii"]} == set(checks["pii"]["records"])
    assert len(by_check["license"]) >= checks["license"]["violations"] > 0
    assert all({"check", "record_id", "reason", "action", "outcome"} <= set(r) for r in findings)
    assert res.json["findings_path"] == str(project / "out" / "findings.jsonl")

    target = by_check["pii"][0]["record_id"]
    (project / "waivers.yaml").write_text(
        f"waivers:\n  - record: '{target}'\n    check: pii\n"
        f"    reason: the address is the project's public contact\n"
        f"    accepted_by: Jane Roe\n"
    )
    waived = run_cli(project, "govern", "--data", "data.jsonl", "--waivers", "waivers.yaml", "--json")
    assert waived.code == 1, waived.stderr[-2000:]
    pii = waived.json["checks"]["pii"]
    assert (pii["violations_before_waivers"], pii["waived"], pii["violations"]) == (
        checks["pii"]["violations"],
        1,
        checks["pii"]["violations"] - 1,
    )
    assert waived.json["waivers"]["entries"][0]["accepted_by"] == "Jane Roe"

    # the same file from the config, and a waiver without accepted_by refused in one line
    params = project / "params.yaml"
    params.write_text(params.read_text() + "governance: {waivers: waivers.yaml}\n")
    configured = run_cli(project, "govern", "--data", "data.jsonl", "--json")
    assert configured.json["checks"]["pii"]["waived"] == 1
    (project / "waivers.yaml").write_text(f"- record: '{target}'\n  reason: trust me\n")
    refused = run_cli(project, "govern", "--data", "data.jsonl", "--json")
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.code == 2 and len(lines) == 1 and "waiver 1: 'accepted_by' is required" in lines[0], refused.stderr


def test_govern_findings_must_be_jsonl_inside_the_project(project):
    assert run_cli(project, "demo-data", "--out", "data.jsonl", "--n", "40").code == 0
    for path, needle in (
        ("findings.json", "written as .jsonl"),
        ("/etc/findings.jsonl", "outside the allowed folders"),
    ):
        res = run_cli(project, "govern", "--data", "data.jsonl", "--findings", path)
        assert res.code == 2 and needle in res.stderr, res.stderr
