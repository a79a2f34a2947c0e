"""Run the ``longloop`` command line in a subprocess, as a user would, with HOME pointed into the test folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


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


@contextmanager
def served_champion(project: Path, timeout: float = 180) -> Iterator[str]:
    """`longloop serve` on a free port, as a user starts it; yields its URL once /ready answers, stops it after."""
    from longloop.serving.server import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "longloop", "serve", "--port", str(port)],
        cwd=project,
        env=cli_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError(f"the serving app did not become ready within {timeout:.0f} s")
        yield url
    finally:
        server.terminate()
        server.wait(30)
