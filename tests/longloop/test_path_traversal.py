"""Path traversal: user-given paths that leave the project, as the command line and the resolver receive them.

Plain, URL-encoded and double-encoded ``..``, backslashes, absolute paths, symlinks out of the tree, symlink
loops, NUL bytes, very long paths, ``~`` and URLs, through ``--data``, ``--reference``/``--current``,
``--config``, ``restore-data --out``, ``demo-data --out`` and the config's state folder. Each must be refused
with one line and exit code 2, with nothing read from or written outside the project.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError
from tests.cli_runner import run_cli
from tests.longloop.test_bad_input_corpus import assert_refused, tree_digest
from tests.refusal_counts import TRAVERSAL, count

SECRET = "TOP-SECRET-MARKER-8d1f"
REFUSED = re.compile(
    r"outside the allowed folders|NUL byte|too long|does not expand|a URL, not a local path|"
    r"percent-encoding that is not valid UTF-8|cannot be resolved"
)

PAYLOADS = [
    "../secret.jsonl",
    "./../secret.jsonl",
    "data/../../secret.jsonl",
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "//etc/passwd",
    "/proc/self/root/etc/passwd",
    "/dev/zero",
    "{outside}/secret.jsonl",
    "..%2fsecret.jsonl",
    "..%2Fsecret.jsonl",
    "%2e%2e/secret.jsonl",
    "%2e%2e%2fsecret.jsonl",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "%2fetc%2fpasswd",
    "..%252fsecret.jsonl",
    "%252e%252e%252fsecret.jsonl",
    "%25252e%25252e%25252fsecret.jsonl",
    "..\\secret.jsonl",
    "..%5csecret.jsonl",
    "..%255csecret.jsonl",
    "%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    "C:\\..\\..\\secret.jsonl",
    "\\\\server\\share\\secret.jsonl",
    "\uff0e\uff0e\uff0fsecret.jsonl",  # fullwidth "../", folded to ASCII by NFKC
    "..%c0%afsecret.jsonl",  # overlong UTF-8 for "/"
    "link-out.jsonl",
    "link-dir/secret.jsonl",
    "link-dir%2fsecret.jsonl",
    "loop.jsonl",
    "data.jsonl%00.csv",
    "~/secret.jsonl",
    "~root/.bashrc",
    "~",
    "x" * 300 + ".jsonl",
    "d/" * 2100 + "x.jsonl",
    "file:///etc/passwd",
    "..%2f" * 12 + "etc/passwd",
]


@pytest.fixture
def tree(tmp_path: Path):
    """``tmp/project`` (the project, with params.yaml) next to ``tmp/outside`` holding a valid secret dataset."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    shutil.copy(Path(__file__).parents[1] / "tiny_params.yaml", project / "params.yaml")
    row = '{"id": "%s", "text": "%s words", "label": "%s", "license": "MIT", "source": "s"}\n'
    (outside / "secret.jsonl").write_text("".join(row % (i, SECRET, "ab"[i % 2]) for i in range(12)))
    (outside / "params.yaml").write_text("training: {epochs: 1}\n")
    (tmp_path / "secret.jsonl").write_text((outside / "secret.jsonl").read_text())
    (project / "link-out.jsonl").symlink_to(outside / "secret.jsonl")
    (project / "link-dir").symlink_to(outside)
    (project / "loop.jsonl").symlink_to(project / "loop.jsonl")
    return project, outside


def _check(project: Path, outside: Path, *args: str) -> None:
    before, before_out = tree_digest(project), tree_digest(outside.parent)
    res = run_cli(project, *args, timeout=60)
    line = assert_refused(res, "")
    assert REFUSED.search(line), line
    assert SECRET not in res.stderr + res.stdout
    assert tree_digest(project) == before and tree_digest(outside.parent) == before_out
    count(TRAVERSAL)


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 30 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_data_paths_leaving_the_project_are_refused(tree, payload):
    project, outside = tree
    _check(project, outside, "govern", "--data", payload.format(outside=outside))


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--data", "../secret.jsonl"),
        ("drift", "--reference", "..%2fsecret.jsonl", "--current", "../outside/secret.jsonl"),
        ("drift", "--reference", "../outside/secret.jsonl", "--current", "../outside/secret.jsonl"),
        ("govern", "--data", "x.jsonl", "--config", "../outside/params.yaml"),
        ("govern", "--data", "x.jsonl", "--config", "/etc/passwd"),
        ("govern", "--data", "x.jsonl", "--config", "%2e%2e/outside/params.yaml"),
        ("restore-data", "--md5", "0" * 32, "--out", "../evil.jsonl"),
        ("restore-data", "--md5", "0" * 32, "--out", "link-dir/evil.jsonl"),
        ("demo-data", "--out", "../evil.jsonl"),
        ("demo-data", "--out", "..%2fevil.jsonl"),
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_every_path_option_is_guarded(tree, args):
    project, outside = tree
    _check(project, outside, *args)
    assert not (outside.parent / "evil.jsonl").exists() and not (outside / "evil.jsonl").exists()


def test_raw_nul_bytes_and_state_folder_outside(tree):
    """A NUL byte cannot travel in argv, so the resolver gets it directly; the state folder comes from the config."""
    project, outside = tree
    for raw in ("secret.jsonl\x00.csv", "../secret\x00", "\x00"):
        with pytest.raises(DataError, match="NUL byte"):
            resolve_inside(raw, [project])
        count(TRAVERSAL)
    for state_dir in ("../elsewhere", "/tmp/elsewhere", "~/elsewhere", "a/../../b"):
        (project / "params.yaml").write_text(f"project: {{state_dir: '{state_dir}'}}\n")
        res = run_cli(project, "status", timeout=60)
        line = assert_refused(res, "project.state_dir")
        assert "relative folder inside the project" in line
        count(TRAVERSAL)
    assert not (project.parent / "elsewhere").exists()


def test_paths_inside_the_project_still_work(tree):
    project, _ = tree
    (project / "data").mkdir()
    (project / "data" / "100% real.jsonl").write_text("x")
    for ok in ("data/../data/100% real.jsonl", "data/100%20real.jsonl", "data"):
        assert resolve_inside(str(project / ok), [project]).is_relative_to(project.resolve())
