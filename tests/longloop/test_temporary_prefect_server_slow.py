"""Embedded mode: Prefect's temporary server starts in a thread while the command imports its flows, and is
answering when the block ends; the flows' clients then find it running. In a process of its own, so that this
test's server is not the one the task tests share (Prefect keeps one per process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

# A fresh temporary server takes 10-15 s to start and migrate its database here; every `longloop run` of the
# default suite's end-to-end tests goes through this path.
pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import threading
    import httpx
    from prefect.server.api.server import SubprocessASGIServer
    from longloop.temporary_prefect_server import started_alongside

    with started_alongside(False):
        assert "prefect-temporary-server" not in [t.name for t in threading.enumerate()]
    assert not SubprocessASGIServer().running
    with started_alongside(True):
        assert "prefect-temporary-server" in [t.name for t in threading.enumerate()]  # starting meanwhile
        import longloop.orphaned_flow_runs  # `longloop run` imports its flows meanwhile (seconds; not here)
    server = SubprocessASGIServer()
    assert httpx.get(server.api_url + "/health", timeout=10).status_code == 200
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        assert client.api_url.host == "127.0.0.1" and str(client.api_url).startswith(server.api_url)
        client.read_flow_runs()
    server.stop()
    print("answered")
    """
)


def test_the_server_starts_while_the_flows_are_imported_and_answers_after(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env["MPLCONFIGDIR"] = str(tmp_path / "matplotlib")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0 and "answered" in done.stdout, done.stderr[-3000:]
