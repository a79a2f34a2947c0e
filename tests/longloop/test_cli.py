import pytest

from tests.cli_runner import run_cli


def test_demo_data_govern_and_drift(project):
    assert run_cli(project, "demo-data", "--out", "ref.jsonl", "--n", "120").code == 0
    assert (
        run_cli(project, "demo-data", "--out", "cur.jsonl", "--n", "120", "--stream", "3", "--shift", "alphabet").code
        == 0
    )
    gov = run_cli(project, "govern", "--data", "ref.jsonl", "--json")
    assert gov.code == 0 and gov.json["verdict"] == "pass"
    drift = run_cli(project, "drift", "--reference", "ref.jsonl", "--current", "cur.jsonl", "--json")
    assert drift.code == 0, drift.stderr
    assert drift.json["drift_detected"] is True and drift.json["checks"]["charset"]["drift"] is True
    same = run_cli(project, "drift", "--reference", "ref.jsonl", "--current", "ref.jsonl", "--json")
    assert same.code == 0 and same.json["drift_detected"] is False


@pytest.mark.parametrize(
    "args, needle",
    [
        (("run", "--data", "/etc/passwd"), "outside the allowed folders"),
        (("run", "--data", "missing.jsonl"), "file not found"),
        (("govern", "--data", "bad.jsonl"), "malformed JSON"),
        (("drift", "--reference", "bad.jsonl", "--current", "bad.jsonl"), "not valid JSONL"),
        (("run", "--config", "nope.yaml"), "config file not found"),
        (("run", "--config", "wrong.yaml"), "training.epochz: unknown key"),
        (("restore-data", "--md5", "../../etc"), "is not an md5 hash"),
        (("frobnicate",), "invalid choice"),
        (("run", "--unknown-flag"), "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(project, args, needle):
    (project / "bad.jsonl").write_text('{"id": "1", "text": \n')
    (project / "wrong.yaml").write_text("training:\n  epochz: 3\n")
    res = run_cli(project, *args, timeout=120)
    assert res.code == 2, (res.code, res.stderr[-2000:])
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_govern_checks_training_text_against_registered_benchmark_sets(project):
    import json

    assert run_cli(project, "demo-data", "--out", "data.jsonl", "--n", "80").code == 0
    rows = [json.loads(line) for line in (project / "data.jsonl").read_text(encoding="utf-8").split("\n") if line]
    # A benchmark set whose questions are passages of ten of the dataset's documents: those in the training
    # split are contaminated.
    (project / "bench.jsonl").write_text(
        "".join(json.dumps({"id": f"q{i}", "text": r["text"][:2000]}) + "\n" for i, r in enumerate(rows[:10]))
    )
    clean = run_cli(project, "govern", "--data", "data.jsonl", "--json")
    assert clean.code == 0 and clean.json["checks"]["contamination"]["violations"] == 0
    flagged = run_cli(project, "govern", "--data", "data.jsonl", "--benchmark", "bench.jsonl", "--json")
    assert flagged.code == 1, flagged.stderr[-2000:]
    hits = flagged.json["checks"]["contamination"]["hits"]
    assert hits and {h["eval_id"] for h in hits} <= {f"bench.jsonl:q{i}" for i in range(10)}
    assert {h["train_id"] for h in hits} <= {r["id"] for r in rows[:10]}

    params = project / "params.yaml"
    params.write_text(params.read_text() + "governance: {benchmark_sets: [bench.jsonl]}\n")
    configured = run_cli(project, "govern", "--data", "data.jsonl", "--json")
    assert configured.code == 1 and configured.json["checks"]["contamination"]["hits"] == hits
    params.write_text(params.read_text().replace("[bench.jsonl]", "[../outside.jsonl]"))
    refused = run_cli(project, "govern", "--data", "data.jsonl", "--json")
    assert refused.code == 2 and "outside the allowed folders" in refused.stderr


def test_help_is_on_stdout_with_every_command_option_and_exit_code(project):
    from longloop.cli import ExitCode, build_parser

    res = run_cli(project, "--help")
    assert res.code == 0 and "Traceback" not in res.stderr
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert name in res.stdout, f"--help does not list {name}"
    for code in ExitCode:
        assert f"{code.value} " in res.stdout.split("exit codes:")[1], f"exit code {code.value} not documented"
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, f"longloop {name} {'/'.join(action.option_strings)} has no help text"
    sub_help = run_cli(project, "govern", "--help")
    assert sub_help.code == 0 and "--data" in sub_help.stdout and "--benchmark" in sub_help.stdout
