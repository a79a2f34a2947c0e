"""``model.architecture`` switches the whole loop with no other change: under ``auto`` the candidates are trained
and the chosen one (here the TF-IDF model, a class of its own) is registered, promoted, served and watched for
drift through the same `longloop run` as the default windowed encoder. (The encoders' folders, spec and served
answers are tested per architecture in tests/training/architectures/.)"""

import json

import pytest
import yaml

from tests.cli_runner import run_cli
from tests.conftest import TINY

pytestmark = pytest.mark.slow


def test_auto_trains_the_candidates_and_the_cheap_baseline_can_become_the_champion(tmp_path):
    """model.architecture: auto: both candidates trained, the better on validation kept (TF-IDF, against a 1-layer
    32-wide encoder trained for 2 epochs: 0.87 against 0.57 macro-F1 when written), the selection logged with the
    model; the TF-IDF model passes the gate (its baseline rule is for models that must beat it), is served, and
    the drift job reads its embedding."""
    config = yaml.safe_load(TINY.read_text())
    config["model"]["architecture"] = "auto"
    config["evaluation"] = {
        "candidates": ["long_context_encoder", "tfidf_logreg"],
        "long_context_tokens": 1024,
    }
    config["registry"]["promotion"]["min_gain_over_baseline"] = 0.0
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(config))
    res = run_cli(tmp_path, "run", "--json", timeout=900)
    assert res.code == 0, res.stderr[-3000:]
    out = res.json
    selection = out["training"]["architecture_selection"]
    assert [c["name"] for c in selection["candidates"]] == ["long_context_encoder", "tfidf_logreg"]
    assert selection["chosen"] == out["training"]["architecture"] == "tfidf_logreg"
    assert selection["policy"].startswith("best macro-F1") and selection["split"] == "validation"
    assert out["served"] and out["registry"]["champion_version"] == out["registry"]["version"]
    # The evaluation's architecture report measured the selection's folders: nothing was trained twice.
    report = out["evaluation"]["architectures"]
    assert [c["name"] for c in report["candidates"]] == ["tfidf_logreg", "long_context_encoder"]
    assert all(c["reused"] for c in report["candidates"]) and report["recommended"] in report["pareto"]
    state = tmp_path / ".longloop"
    folders = sorted((state / "runs").glob("*/model"), key=lambda p: p.stat().st_mtime)
    spec = json.loads((folders[0] / "model_spec.json").read_text())
    assert spec["architecture"] == "tfidf_logreg"
    assert json.loads((folders[0] / "architecture_selection.json").read_text())["chosen"] == "tfidf_logreg"
    assert not list(folders[0].glob("*.pkl")) and not list(folders[0].glob("*.pt"))
    served = [json.loads(line) for line in (state / "inference" / "requests.jsonl").read_text().splitlines()]
    assert served and {r["model_version"] for r in served} == {out["registry"]["version"]}
    assert "embedding" in out["drift"]["checks"]
