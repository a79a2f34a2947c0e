"""Deploy the serving app as its own process on loopback and wait until it serves the champion."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from longloop.serving.server import free_port
from longloop.settings.params import ServingParams


@dataclass
class Deployment:
    url: str
    pid: int
    log_path: str
    process: subprocess.Popen | None = None
    auth_token: str | None = field(default=None, repr=False)  # never in to_dict(), logs or reprs

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth_token}"} if self.auth_token else {}

    def to_dict(self) -> dict:
        return {"url": self.url, "pid": self.pid, "log": self.log_path}


def start_serving_process(
    tracking_uri: str,
    model_name: str,
    inference_log: Path,
    sp: ServingParams,
    log_dir: Path,
    auth_token: str | None = None,
) -> Deployment:
    """Start the app in its own process; ``auth_token`` reaches it on its standard input, not its command line."""
    port = sp.port or free_port(sp.host)
    if sp.port and port_in_use(sp.host, port):
        raise RuntimeError(
            f"serving.port {port} on {sp.host} is in use by another process: stop it, or set serving.port: 0 "
            "to serve on a free port"
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"serving-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "longloop.serving.server",
        "--tracking-uri",
        tracking_uri,
        "--model-name",
        model_name,
        "--inference-log",
        str(inference_log),
        "--host",
        sp.host,
        "--port",
        str(port),
        "--serving-json",
        sp.model_dump_json(),
        "--exit-with-parent",
        str(os.getpid()),
    ] + (["--token-stdin"] if auth_token else [])
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
            stdin=subprocess.PIPE if auth_token else subprocess.DEVNULL,
            start_new_session=True,
        )
    if auth_token:
        if proc.stdin is None:  # cannot happen: stdin is a pipe whenever there is a token
            raise RuntimeError("serving app started without a stdin pipe for its auth token")
        proc.stdin.write(auth_token.encode() + b"\n")
        proc.stdin.close()
    dep = Deployment(
        url=f"http://{sp.host}:{port}", pid=proc.pid, log_path=str(log_path), process=proc, auth_token=auth_token
    )
    wait_until_answering(dep, "/ready", sp.ready_timeout_seconds, "serving app")
    return dep


def _answered_by(answer: httpx.Response, pid: int) -> bool:
    """False when the answer names another process (one that already held the port), True otherwise."""
    try:
        body = answer.json()
    except ValueError:
        return True
    return not isinstance(body, dict) or body.get("pid", pid) == pid


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def wait_until_answering(dep: Deployment, path: str, timeout: float, what: str) -> None:
    """Poll ``GET path`` until it answers 200; a process that exits, or no answer in time (the process is then
    stopped), is a RuntimeError naming its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dep.process is not None and dep.process.poll() is not None:
            raise RuntimeError(f"{what} exited with {dep.process.returncode}; see {dep.log_path}")
        try:
            answer = httpx.get(f"{dep.url}{path}", timeout=2)
            if answer.status_code == 200 and _answered_by(answer, dep.pid):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_serving_process(dep)
    raise RuntimeError(f"{what} not ready within {timeout:.0f} s; see {dep.log_path}")


def wait_for_version(url: str, version: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{url}/ready", timeout=2)
            if r.status_code == 200 and r.json().get("version") == version:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def stop_serving_process(dep: Deployment, timeout: float = 10.0) -> None:
    proc = dep.process
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
