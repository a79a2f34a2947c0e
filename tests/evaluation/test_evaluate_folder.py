"""A model folder evaluated on a split dataset file with the metrics written to a file (the DVC evaluate stage);
missing or incomplete inputs refused in one line before anything is evaluated."""

import json

import pytest

from longloop.corpus.dataset_files import write_records
from longloop.corpus.records import DataError
from longloop.evaluation.evaluate_folder import evaluate_to_file


@pytest.fixture
def project(tmp_path, trained_model_dir, demo_records):
    """A project folder holding the split dataset and a copy of the tiny trained model."""
    import shutil

    write_records(tmp_path / "data.jsonl", demo_records)
    shutil.copytree(trained_model_dir, tmp_path / "model")
    return tmp_path


def test_metrics_are_written_and_returned(project, tiny_params):
    evaluated = evaluate_to_file(
        str(project / "model"),
        str(project / "data.jsonl"),
        str(project / "out" / "metrics.json"),
        [project],
        tiny_params.evaluation,
        7,
        plot_dir=str(project / "plots"),
    )
    assert evaluated.path == project / "out" / "metrics.json"
    assert json.loads(evaluated.path.read_text()) == json.loads(json.dumps(evaluated.to_dict()))
    assert {"macro_f1", "accuracy", "ece"} <= set(evaluated.metrics)
    assert "tfidf_logistic_regression" in evaluated.metrics["comparisons"]
    assert list((project / "plots").glob("*.png"))


def test_a_missing_dataset_and_an_incomplete_model_folder_are_refused(project, tiny_params):
    def evaluate(model, data, out="metrics.json"):
        evaluate_to_file(model, data, str(project / out), [project], tiny_params.evaluation, 7)

    with pytest.raises(DataError, match=r"/nope\.jsonl: file not found$"):
        evaluate(str(project / "model"), str(project / "nope.jsonl"))
    (project / "model" / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(DataError, match=r"model: not a complete model folder \(.*does not match its checksum\)$"):
        evaluate(str(project / "model"), str(project / "data.jsonl"))
    with pytest.raises(DataError, match="outside the allowed folders"):
        evaluate(str(project / "model"), str(project / "data.jsonl"), out="../metrics.json")
    assert not (project / "metrics.json").exists() and not (project.parent / "metrics.json").exists()
