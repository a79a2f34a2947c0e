"""The three UIs as a user opens them after `longloop run`: started by infra/local/start-uis.sh (what `make ui`
runs) on ports of the README's variables, each page loaded in headless Chromium (Debian's `chromium`, installed
by .ci/install-browser) and checked in the DOM the page's scripts built: the Prefect runs page lists the
pipeline's flow runs, the MLflow model page shows the champion alias, the Evidently dashboard plots longloop's
verdict with data. Screenshots go to build/screenshots/ (CI artifacts; LONGLOOP_SCREENSHOTS moves them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from longloop.monitoring.evidently_dashboard import VERDICT_PANEL
from longloop.serving.server import free_port
from tests.cli_runner import cli_env, run_cli

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("LONGLOOP_SCREENSHOTS", ROOT / "build" / "screenshots"))


def _chromium(url: str, screenshot: Path) -> str:
    """The page's DOM after its scripts ran (up to 25 s of page time), and a screenshot of it."""
    browser = shutil.which("chromium")
    assert browser, "the browser test needs Debian's chromium: .ci/install-browser (apt-get install chromium)"
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=25000",
        "--window-size=1400,2000",
    ]
    subprocess.run([*common, f"--screenshot={screenshot}", url], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True)
    screenshot.with_suffix(".html").write_text(dom.stdout)  # beside the screenshot: what the checks read
    return dom.stdout


def _wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


def test_the_three_uis_show_the_runs_the_champion_and_the_drift_verdict(project):
    run = run_cli(project, "run", "--json", timeout=900)
    assert run.code == 0, run.stderr[-2000:]
    champion = run.json["promotion"]["champion_version"]
    ports = {"PREFECT_PORT": free_port(), "MLFLOW_PORT": free_port(), "EVIDENTLY_PORT": free_port()}
    env = cli_env(project, {"LONGLOOP_STATE": str(project / ".longloop"), **{k: str(v) for k, v in ports.items()}})
    uis = subprocess.Popen(
        ["bash", str(ROOT / "infra/local/start-uis.sh")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        prefect, mlflow, evidently = (f"http://127.0.0.1:{ports[k]}" for k in ports)
        for url in (f"{prefect}/api/health", mlflow, evidently):
            _wait_for(url)

        runs = _chromium(f"{prefect}/runs", SCREENSHOTS / "prefect-runs.png")
        assert "Can't connect to Server API" not in runs
        assert "longloop-pipeline" in runs

        model = _chromium(f"{mlflow}/#/models/longloop-classifier", SCREENSHOTS / "mlflow-model.png")
        assert "@&nbsp;champion" in model and f"Version {champion}" in model

        (project_id,) = [p.name for p in (project / ".longloop/evidently").iterdir() if p.is_dir()]
        dashboard = _chromium(f"{evidently}/projects/{project_id}", SCREENSHOTS / "evidently-dashboard.png")
        assert VERDICT_PANEL in dashboard and "-log10 p-value" in dashboard
        # Evidently draws with MUI X Charts: the verdict panels drew bars, so there is data behind them.
        assert dashboard.count("MuiBarElement-root") >= 4
        for shot in ("prefect-runs.png", "mlflow-model.png", "evidently-dashboard.png"):
            assert (SCREENSHOTS / shot).stat().st_size > 10_000
    finally:
        os.killpg(uis.pid, signal.SIGTERM)
        uis.wait(30)
