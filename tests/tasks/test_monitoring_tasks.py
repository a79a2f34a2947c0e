"""The retraining decision reads quality from feedback labels beside the drift verdict; the drift window records
the release figures of its own requests."""

from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl
from longloop.settings.params import RetrainingParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.monitoring_tasks import decide_retraining


def test_a_window_whose_accuracy_fell_asks_for_retraining_without_drift(tmp_path: Path):
    paths = StatePaths(root=tmp_path, state=tmp_path / ".longloop")
    append_jsonl(paths.drift_history, {"drift_detected": False, "quality": None})
    calm = decide_retraining.fn(paths, RetrainingParams())
    assert not calm.retrain and calm.reason == "no drift in the latest window"
    append_jsonl(paths.drift_history, {"drift_detected": False, "quality": {"degraded": True}})
    fell = decide_retraining.fn(paths, RetrainingParams())
    assert fell.retrain and fell.reason.startswith("quality from feedback labels below the evaluation's")
    assert not decide_retraining.fn(paths, RetrainingParams(enabled=False)).retrain


def test_the_drift_window_records_the_shadow_and_canary_figures_of_its_own_requests(tmp_path, trained_model_dir):
    """The drift job task on a real state folder and Evidently workspace: the window's requests' rows of the
    shadow and canary logs become its release figures, in the drift record and the dashboard's verdict snapshot."""
    import json
    import shutil

    from longloop.corpus.demo_corpus import generate_corpus
    from longloop.registry.shadow_evidence import shadow_log_for
    from longloop.serving.canary import canary_log_for
    from longloop.settings.params import MonitoringParams
    from longloop.tasks.monitoring_tasks import drift_job
    from longloop.training.model_io import SPEC

    paths = StatePaths(root=tmp_path, state=tmp_path / ".longloop").ensure()
    texts = [r["text"] for r in generate_corpus(120, seed=11, median_tokens=150)]
    shutil.copy(trained_model_dir / SPEC, paths.drift_model_spec)
    for t in texts[:60]:
        append_jsonl(paths.drift_reference, {"text": t, "n_tokens": len(t.split()), "prediction": "billing"})
    paths.drift_vocabulary.write_text(json.dumps(sorted({w for t in texts[:60] for w in t.split()})))
    for i, t in enumerate(texts[60:]):
        row = {"at": "2026-12-05T12:00:00+00:00", "request_id": f"r{i}", "id": f"d{i}", "text": t}
        append_jsonl(paths.inference_log, {**row, "n_tokens": len(t.split()), "prediction": "billing"})
    for i, agree in enumerate([True, True, True, False]):
        append_jsonl(
            shadow_log_for(paths.inference_log),
            {"request_id": f"r{i}", "agree": agree, "champion_ms_per_document": 4.0, "challenger_ms_per_document": 6.0},
        )
    append_jsonl(shadow_log_for(paths.inference_log), {"request_id": "an older window's", "agree": False})
    for i, ok in enumerate([True, False]):
        append_jsonl(
            canary_log_for(paths.inference_log),
            {"request_id": f"r{10 + i}", "arm": "canary", "ok": ok, "documents": 1, "model_ms_per_document": 5.0},
        )

    result = drift_job.fn(paths, MonitoringParams(window_size=60, permutations=50), "clf", 0)

    release = result.record["release"]
    assert release["shadow_documents"] == 4 and release["shadow_agreement"] == 0.75
    assert release["shadow_latency_ratio"] == 1.5 and release["canary_error_rate"] == 0.5
    project = next(p for p in (paths.evidently_workspace).iterdir() if p.is_dir() and (p / "snapshots").is_dir())
    verdict = json.loads((project / "snapshots" / f"{result.evidently['verdict_snapshot_id']}.json").read_text())
    columns = {
        r["metric_value_location"]["metric"]["params"]["column"]: r["value"] for r in verdict["metric_results"].values()
    }
    assert columns["shadow_agreement"] == 0.75 and columns["canary_error_rate"] == 0.5
