"""``model.architecture`` switches the whole loop with no other change: the truncated encoder is trained,
registered, served and watched for drift through the same `longloop run` as the default windowed encoder."""

import json

import pytest
import yaml

from tests.cli_runner import run_cli
from tests.conftest import TINY

pytestmark = pytest.mark.slow


def test_the_truncated_encoder_goes_through_the_whole_loop(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    config["model"]["architecture"] = "truncated_encoder"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(config))
    res = run_cli(tmp_path, "run", "--json", timeout=900)
    assert res.code == 0, res.stderr[-3000:]
    out = res.json
    state = tmp_path / ".longloop"
    assert out["served"] and out["registry"]["champion_version"] == out["registry"]["version"]
    # The registered folder, the served answers and the drift job all follow the truncated spec.
    specs = [json.loads(p.read_text()) for p in (state / "runs").glob("*/model/model_spec.json")]
    # the pipeline's model and, when the demo's shifted traffic started one, the retraining's
    assert specs and {(s["architecture"], s["max_document_tokens"]) for s in specs} == {("truncated_encoder", 254)}
    drift_spec = json.loads((state / "monitoring" / "model_spec.json").read_text())
    assert drift_spec["architecture"] == "truncated_encoder"
    served = [json.loads(line) for line in (state / "inference" / "requests.jsonl").read_text().splitlines()]
    assert served and {r["model_version"] for r in served} == {out["registry"]["version"]}
    assert max(r["n_tokens"] for r in served) > 254  # whole lengths are reported, though only 254 are read
    assert "score" in out["drift"]
