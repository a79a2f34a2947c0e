"""Run the ``longloop`` command line in a subprocess, as a user would, with HOME pointed into the test folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def cli_env(project: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without service settings, HOME in the project, plus ``extra_env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MLFLOW_"))}
    env["HOME"] = str(project / "home")
    (project / "home").mkdir(exist_ok=True)
    return {**env, **(extra_env or {})}


def run_cli(project: Path, *args: str, timeout: float = 600, extra_env: dict[str, str] | None = None) -> CliResult:
    proc = subprocess.run(
        [sys.executable, "-m", "longloop", *args],
        cwd=project,
        env=cli_env(project, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
