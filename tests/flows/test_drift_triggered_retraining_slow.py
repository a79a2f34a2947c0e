"""The scheduled drift job against a live server: an unshifted window starts no retraining, a shifted one starts
exactly one (ending in a recorded promotion decision), and the next shifted window inside the cooldown none.

Real components throughout: `longloop run` makes the champion, `longloop serve` answers the traffic on loopback
and logs it, `longloop monitor` is what the drift-job deployment runs.
"""

from __future__ import annotations

import pytest
import yaml

from longloop.corpus.dataset_files import write_records
from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import record_from_mapping
from longloop.serving.traffic import send_documents
from tests.cli_runner import run_cli, served_champion
from tests.conftest import TINY

pytestmark = pytest.mark.slow


def _batch(stream: int, shifts: tuple[str, ...]) -> list[dict]:
    return generate_corpus(
        60,
        seed=7,
        stream=stream,
        median_tokens=150,
        length_sigma=0.9,
        max_tokens=3000,
        shifts=shifts,
        id_prefix=f"live{stream}",
    )


def test_one_retraining_for_a_shifted_window_none_for_an_unshifted_one_and_the_cooldown_holds(tmp_path):
    project = tmp_path
    params = yaml.safe_load(TINY.read_text())
    # The pipeline's own drift check must not retrain here: this test starts retraining only from `monitor`.
    (project / "params.yaml").write_text(yaml.safe_dump({**params, "retraining": {"enabled": False}}))
    (project / "monitor.yaml").write_text(
        yaml.safe_dump({**params, "retraining": {"enabled": True, "cooldown_minutes": 60}})
    )
    first = run_cli(project, "run", "--json")
    assert first.code == 0, first.stderr[-3000:]
    assert first.json["retraining"]["triggered"] is False

    with served_champion(project, timeout=120) as url:

        def window(stream: int, shifts: tuple[str, ...]) -> dict:
            rows = _batch(stream, shifts)
            sent = send_documents(url, rows)
            assert sent["failed"] == 0
            # The labels arrive as feedback, which the drift job joins by id and retraining folds in.
            write_records(
                project / ".longloop" / "data" / f"feedback-live{stream}.jsonl",
                [record_from_mapping(r, "feedback", 10**6) for r in rows],
            )
            res = run_cli(project, "monitor", "--config", "monitor.yaml", "--json")
            assert res.code == 0, res.stderr[-3000:]
            return res.json

        calm = window(300, ())
        assert calm["skipped"] is False and calm["drift"]["drift_detected"] is False
        assert calm["retraining"]["triggered"] is False

        shifted = window(301, ("longer", "vocabulary"))
        assert shifted["drift"]["drift_detected"] is True and shifted["retraining"]["triggered"] is True
        outcome = shifted["retraining"]["outcome"]
        assert outcome["blocked"] is False and outcome["promotion"]["reason"]
        assert outcome["dataset"]["added"] == 180  # the pipeline's own production batch and both windows' feedback

        again = window(302, ("longer", "vocabulary"))
        assert again["drift"]["drift_detected"] is True and again["retraining"]["triggered"] is False
        assert "cooldown" in again["retraining"]["reason"]

    status = run_cli(project, "status", "--json", "--last", "100")
    assert status.code == 0, status.stderr
    started = [r for r in status.json["retraining"] if r["started"]]
    assert len(started) == 1 and started[0]["outcome"]["promotion"]["reason"] == outcome["promotion"]["reason"]
    decided = [
        p for p in status.json["promotions"] if p["metrics"].get("challenger_version") == outcome["registry"]["version"]
    ]
    assert len(decided) == 1 and decided[0]["reason"] == outcome["promotion"]["reason"]
