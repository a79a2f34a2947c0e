"""The typed stage results serialise to the JSON keys users rely on, once, in ``to_dict``."""

import json

from longloop.tasks.stage_results import (
    DRIFT_SUMMARY_KEYS,
    CycleEvaluation,
    DatasetFile,
    DriftResult,
    ModelEvaluation,
    Promotion,
    RetrainingOutcome,
    RetrainingRequest,
    TrainedModel,
)


def test_internal_fields_stay_out_of_the_json_and_optional_ones_only_when_set():
    trained = TrainedModel({"val_accuracy": 0.9}, 1234, model_dir="/tmp/model")
    assert trained.to_dict() == {"result": {"val_accuracy": 0.9}, "parameters": 1234}
    assert trained.summary() == {"val_accuracy": 0.9, "parameters": 1234}
    requested = RetrainingOutcome(requested=RetrainingRequest("longloop.retraining.requested", "e1"))
    assert requested.to_dict() == {"requested": {"event": "longloop.retraining.requested", "event_id": "e1"}}
    promotion = Promotion(False, "no gain", None, "1", "1", ["challenger"])
    ran = RetrainingOutcome(
        blocked=False,
        governance_verdict="pass",
        dataset={"dvc_md5": "m", "counts": {"total": 3}, "added": 1},
        promotion=promotion,
        evaluation=CycleEvaluation(ModelEvaluation({"macro_f1": 0.5}), None),
    )
    out = ran.to_dict()
    assert set(out) == {"blocked", "governance_verdict", "dataset", "promotion", "evaluation"}
    assert out["promotion"]["reason"] == "no gain" and out["evaluation"] == {
        "challenger": {"macro_f1": 0.5},
        "champion": None,
    }
    json.dumps(out)  # plain JSON all the way down


def test_a_champion_evaluation_carries_its_version_and_reads_back_from_the_ledger():
    champion = ModelEvaluation.of_champion(
        "3",
        {
            "accuracy": 0.8,
            "macro_f1": 0.7,
            "ece": 0.05,
            "ece_uncalibrated": 0.1,
            "nll": 0.4,
            "temperature": 1.2,
            "seconds_per_1000_documents": 3.0,
            "cpu_seconds_per_1000_documents": 5.0,
            "robustness_max_drop": 0.02,
            "ood_auroc_max_softmax": 0.6,
            "ood_auroc_energy": 0.6,
            "by_length": {},
            "robustness": {},
            "comparisons": {},
        },
    )
    as_json = champion.to_dict()
    assert as_json["version"] == "3" and "comparisons" not in as_json  # the champion's own keys only
    assert ModelEvaluation.from_dict(as_json) == champion
    assert ModelEvaluation.from_dict(None) is None
    challenger = ModelEvaluation.of_challenger({"macro_f1": 0.5, "n_documents": 10, "unrelated": 1})
    assert challenger.to_dict() == {"macro_f1": 0.5, "n_documents": 10}


def test_a_drift_result_keeps_the_whole_record_and_summarises_it():
    record = {
        "drift_detected": True,
        "score": 0.001,
        "alpha": 0.01,
        "n_reference": 50,
        "n_current": 40,
        "checks": {"length": {"drift": True}, "oov": {"drift": False}},
        "evidently": {"snapshot_id": "s"},
        "reused": False,
        "at": "2026-12-05T10:00:00+00:00",
        "vocabulary": {"source": "training"},
    }
    drift = DriftResult.from_record(record)
    assert drift.drifting_signals == ["length"] and drift.to_dict() == record
    assert list(drift.summary()) == list(DRIFT_SUMMARY_KEYS) and {"checks", "evidently", "quality"} <= set(
        drift.summary()
    )
    assert drift.summary()["quality"] is None and not drift.quality_degraded  # no labels came for this window


def test_a_merged_dataset_reports_what_it_added():
    merged = DatasetFile("/d.jsonl", "a + b", {"total": 5, "train": 3}, added=2)
    assert merged.to_dict() == {
        "path": "/d.jsonl",
        "source": "a + b",
        "counts": {"total": 5, "train": 3},
        "quarantined": 0,
        "added": 2,
    }
