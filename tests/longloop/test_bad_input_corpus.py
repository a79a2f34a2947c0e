"""The bad-input corpus: malformed datasets, configs and arguments through the real command line.

Each case must end in exit code 2 with exactly one line on stderr (no traceback), within a timeout, and leave
every stored file (the input files and the state folder) byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli_runner import run_cli
from tests.refusal_counts import BAD_INPUTS, count

GOOD = {"id": "a", "text": "some words here", "label": "x", "license": "MIT", "source": "s"}


def _row(**kw) -> str:
    return json.dumps({**GOOD, **kw})


def _rows(n: int, **kw) -> str:
    return "".join(json.dumps({**GOOD, "id": f"r{i}", "label": "xy"[i % 2], **kw}) + "\n" for i in range(n))


def _parquet(path: Path, rows: list[dict]) -> None:
    pq.write_table(pa.Table.from_pylist(rows), path)


# name -> file contents (bytes, str, a callable taking the path, or None for a folder)
FILES = {
    "truncated.jsonl": '{"id": "1", "text": "abc", "lab\n',
    "wrong-type.jsonl": _row(text=5) + "\n",
    "missing-field.jsonl": json.dumps({k: v for k, v in GOOD.items() if k != "label"}) + "\n",
    "control-chars.jsonl": _row(text="ring the bell \u0007 now") + "\n",
    "invalid-utf8.jsonl": _row().encode() + b"\n" + b'{"id": "b\xff\xfe", "text": "t"}\n',
    "empty.jsonl": "",
    "whitespace.jsonl": "   \n\n\t\n",
    "folder.jsonl": None,
    "duplicate-ids.jsonl": _row() + "\n" + _row() + "\n",
    "huge-field.jsonl": _row(text="w " * 200_001) + "\n",
    "wrong-format.txt": _row() + "\n",
    "array-line.jsonl": "[1, 2, 3]\n",
    "deep-nesting.jsonl": "[" * 100_000 + "]" * 100_000 + "\n",
    "duplicate-key.jsonl": '{"id": "a", "id": "b", "text": "t", "label": "x", "license": "MIT", "source": "s"}\n',
    "lone-surrogate.jsonl": '{"id": "a", "text": "bad \\ud800 half", "label": "x", "license": "MIT", "source": "s"}\n',
    "newline-in-id.jsonl": _row(id="a\nb") + "\n",
    "bad-split.jsonl": _row(split="dev") + "\n",
    "corrupt.parquet": b"PAR1 this is not parquet PAR1",
    "int-text.parquet": lambda p: _parquet(p, [{**GOOD, "text": 5}]),
    "nul.csv": "id,text,label,license,source\na,te\x00xt,x,MIT,s\n",
    "missing-column.csv": "id,text,license,source\na,text,MIT,s\n",
    "separators.csv": (
        'id,text,label,license,source\na,"line\u2028ok",x,MIT,s\nb,file\x1cgroup\x1drecord\x1e,x,MIT,s\n'
    ),
    "unseen-label.jsonl": (
        _rows(6, split="train")
        + _row(id="v1", split="validation")
        + "\n"
        + _row(id="t1", label="never-trained", split="test")
        + "\n"
    ),
    "one-label.jsonl": "".join(
        _row(id=f"r{i}", split=s) + "\n" for i, s in enumerate(["train"] * 4 + ["validation", "test"])
    ),
    "good.jsonl": _rows(12),
    # drift windows
    "drift-truncated.jsonl": '{"text": "abc"}\n{"text": "ab\n',
    "drift-few.jsonl": "".join(json.dumps({"text": f"doc {i}"}) + "\n" for i in range(3)),
    "drift-wrong-type.jsonl": "".join(json.dumps({"text": i}) + "\n" for i in range(6)),
    "drift-control.jsonl": "".join(json.dumps({"text": f"doc {i}\u001b[31m"}) + "\n" for i in range(6)),
    "drift-utf8.jsonl": b'{"text": "caf\xe9"}\n' * 6,
    "drift-folder.jsonl": None,
    # configs
    "unknown-key.yaml": "training:\n  epochz: 3\n",
    "wrong-type.yaml": "training:\n  epochs: five\n",
    "bool-for-int.yaml": "training:\n  epochs: true\n",
    "truncated.yaml": "training:\n  epochs: [1, 2\n",
    "latin1.yaml": "project:\n  name: caf\xe9\n".encode("latin-1"),
    "empty.yaml": "",
    "folder.yaml": None,
    "list.yaml": "- training\n- model\n",
    "nan.yaml": "training:\n  learning_rate: .nan\n",
    "inf.yaml": "serving:\n  refresh_seconds: .inf\n",
    "state-outside.yaml": "project:\n  state_dir: ../elsewhere\n",
    "newline-key.yaml": '"bad\\nkey": 1\n',
    "billion-laughs.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")),
    "auth-missing.yaml": "serving:\n  auth_token_env: LONGLOOP_TEST_TOKEN_NOT_SET\n",
    "bad-auth-env.yaml": "serving:\n  auth_token_env: 'not a name; rm -rf /'\n",
    "bad-rate.yaml": "serving:\n  rate_limit_per_second: -5\n",
    "long-context-pretrained.yaml": "model:\n  architecture: long_context_encoder\n  pretrained_dir: /a/bert\n",
    "odd-local-attention.yaml": "model:\n  architecture: long_context_encoder\n  local_attention: 127\n",
    "unknown-architecture.yaml": "model:\n  architecture: longformer\n",
}

CASES = [
    # (case id, argv, needle in the one error line)
    ("truncated-json", ("govern", "--data", "truncated.jsonl"), ":1: malformed JSON"),
    ("wrong-type", ("govern", "--data", "wrong-type.jsonl"), "field 'text' must be a string"),
    ("missing-field", ("govern", "--data", "missing-field.jsonl"), "field 'label' is missing"),
    ("control-chars", ("govern", "--data", "control-chars.jsonl"), "control characters"),
    ("invalid-utf8", ("govern", "--data", "invalid-utf8.jsonl"), ":2: invalid UTF-8"),
    ("empty-file", ("govern", "--data", "empty.jsonl"), "file is empty"),
    ("whitespace-file", ("govern", "--data", "whitespace.jsonl"), "only whitespace"),
    ("folder-as-data", ("govern", "--data", "folder.jsonl"), "is a folder"),
    ("duplicate-ids", ("govern", "--data", "duplicate-ids.jsonl"), "duplicates id 'a'"),
    ("huge-field", ("govern", "--data", "huge-field.jsonl"), "over the limit of 400000"),
    ("wrong-format", ("govern", "--data", "wrong-format.txt"), "unsupported format"),
    ("array-line", ("govern", "--data", "array-line.jsonl"), "expected an object"),
    ("deep-nesting", ("govern", "--data", "deep-nesting.jsonl"), "nested too deeply"),
    ("duplicate-key", ("govern", "--data", "duplicate-key.jsonl"), "key 'id' appears twice"),
    ("lone-surrogate", ("govern", "--data", "lone-surrogate.jsonl"), "lone surrogate"),
    ("newline-in-id", ("govern", "--data", "newline-in-id.jsonl"), "field 'id' contains control characters"),
    ("bad-split", ("govern", "--data", "bad-split.jsonl"), "field 'split' must be one of"),
    ("corrupt-parquet", ("govern", "--data", "corrupt.parquet"), "not a readable Parquet"),
    ("parquet-int-text", ("govern", "--data", "int-text.parquet"), "must be a string, got int"),
    ("csv-nul-byte", ("govern", "--data", "nul.csv"), "field 'text' contains control characters"),
    ("csv-missing-column", ("govern", "--data", "missing-column.csv"), "field 'label' is missing"),
    (
        "csv-information-separators",
        ("govern", "--data", "separators.csv"),
        "separators.csv:3: field 'text' contains control",
    ),
    ("fifo-as-data", ("govern", "--data", "pipe.jsonl"), "not a regular file"),
    ("missing-file", ("govern", "--data", "nope.jsonl"), "file not found"),
    ("run-unseen-label", ("run", "--data", "unseen-label.jsonl"), "never seen in train: 'never-trained'"),
    ("run-one-label", ("run", "--data", "one-label.jsonl"), "needs at least 2 labels"),
    (
        "drift-truncated",
        ("drift", "--reference", "drift-truncated.jsonl", "--current", "good.jsonl"),
        "not valid JSONL",
    ),
    ("drift-too-few", ("drift", "--reference", "good.jsonl", "--current", "drift-few.jsonl"), "at least 5 documents"),
    (
        "drift-wrong-type",
        ("drift", "--reference", "good.jsonl", "--current", "drift-wrong-type.jsonl"),
        "'text' is missing",
    ),
    ("drift-control", ("drift", "--reference", "good.jsonl", "--current", "drift-control.jsonl"), "control characters"),
    ("drift-invalid-utf8", ("drift", "--reference", "drift-utf8.jsonl", "--current", "good.jsonl"), "not valid JSONL"),
    ("drift-folder", ("drift", "--reference", "good.jsonl", "--current", "drift-folder.jsonl"), "is a folder"),
    (
        "config-unknown-key",
        ("govern", "--data", "good.jsonl", "--config", "unknown-key.yaml"),
        "training.epochz: unknown key",
    ),
    ("config-wrong-type", ("govern", "--data", "good.jsonl", "--config", "wrong-type.yaml"), "training.epochs"),
    ("config-bool-for-int", ("govern", "--data", "good.jsonl", "--config", "bool-for-int.yaml"), "training.epochs"),
    ("config-truncated", ("govern", "--data", "good.jsonl", "--config", "truncated.yaml"), "invalid YAML"),
    ("config-not-utf8", ("govern", "--data", "good.jsonl", "--config", "latin1.yaml"), "not valid UTF-8"),
    ("config-empty", ("govern", "--data", "good.jsonl", "--config", "empty.yaml"), "config file is empty"),
    ("config-folder", ("govern", "--data", "good.jsonl", "--config", "folder.yaml"), "is a folder"),
    ("config-list", ("govern", "--data", "good.jsonl", "--config", "list.yaml"), "must be a mapping"),
    ("config-nan", ("govern", "--data", "good.jsonl", "--config", "nan.yaml"), "training.learning_rate"),
    ("config-inf", ("govern", "--data", "good.jsonl", "--config", "inf.yaml"), "serving.refresh_seconds"),
    ("config-state-outside", ("govern", "--data", "good.jsonl", "--config", "state-outside.yaml"), "project.state_dir"),
    (
        "config-newline-key",
        ("govern", "--data", "good.jsonl", "--config", "newline-key.yaml"),
        "bad\\nkey: unknown key",
    ),
    ("config-billion-laughs", ("govern", "--data", "good.jsonl", "--config", "billion-laughs.yaml"), "aliases"),
    ("config-auth-token-unset", ("serve", "--config", "auth-missing.yaml"), "LONGLOOP_TEST_TOKEN_NOT_SET is not set"),
    ("config-auth-env-name", ("serve", "--config", "bad-auth-env.yaml"), "serving.auth_token_env"),
    ("config-negative-rate", ("serve", "--config", "bad-rate.yaml"), "serving.rate_limit_per_second"),
    (
        "config-long-context-pretrained",
        ("govern", "--data", "good.jsonl", "--config", "long-context-pretrained.yaml"),
        "long_context_encoder is built from its config",
    ),
    (
        "config-odd-local-attention",
        ("govern", "--data", "good.jsonl", "--config", "odd-local-attention.yaml"),
        "local_attention must be even",
    ),
    (
        "config-unknown-architecture",
        ("govern", "--data", "good.jsonl", "--config", "unknown-architecture.yaml"),
        "model.architecture",
    ),
    ("demo-data-huge-n", ("demo-data", "--out", "x.jsonl", "--n", "999999999"), "not between 1 and 200000"),
    (
        "real-corpus-no-documents",
        ("real-corpus", "--out", "x.jsonl", "--doc-root", "folder.jsonl"),
        "only 0 documents could be built",
    ),
    ("compare-unknown-candidate", ("compare", "--candidates", "windowed_encoder,nope"), "evaluation.candidates"),
    ("compare-candidate-twice", ("compare", "--candidates", "tfidf_logreg,tfidf_logreg"), "lists a candidate twice"),
    ("compare-negative-budget", ("compare", "--max-ms-per-document", "-1"), "evaluation.max_ms_per_document"),
    ("compare-truncated-data", ("compare", "--data", "truncated.jsonl"), ":1: malformed JSON"),
    ("compare-data-outside", ("compare", "--data", "/etc/passwd"), "outside the allowed folders"),
    ("compare-one-label", ("compare", "--data", "one-label.jsonl"), "needs at least 2 labels"),
    ("serve-bad-port", ("serve", "--port", "70000"), "not between 1 and 65535"),
    ("status-not-a-number", ("status", "--last", "ten"), "invalid int value"),
]


def _write_inputs(project: Path) -> None:
    for name, content in FILES.items():
        path = project / name
        if content is None:
            path.mkdir()
        elif callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    os.mkfifo(project / "pipe.jsonl")
    # stored data a bad input must not touch
    state = project / ".longloop"
    (state / "registry").mkdir(parents=True)
    (state / "registry" / "promotions.jsonl").write_text('{"action": "promote", "to_version": "1"}\n')
    (state / "data").mkdir()
    (state / "data" / "dataset.jsonl").write_text(_rows(4))


def tree_digest(root: Path) -> dict[str, str]:
    """Every regular file under ``root`` (named pipes and folders skipped) with the sha256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def assert_refused(res, needle: str) -> str:
    assert res.code == 2, (res.code, res.stderr[-2000:])
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr[-2000:]
    assert needle in lines[0], lines[0]
    assert res.stdout == ""
    return lines[0]


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("args, needle", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(project, args, needle):
    _write_inputs(project)
    before = tree_digest(project)
    res = run_cli(project, *args, timeout=60)  # a hang fails the test through the timeout
    assert_refused(res, needle)
    assert tree_digest(project) == before, "a refused input changed stored files"
    count(BAD_INPUTS)
