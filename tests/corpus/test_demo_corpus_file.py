"""The demo corpus written to a file: the configured settings, the caller's overrides, and refused paths."""

import json

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.demo_corpus_file import write_demo_corpus
from longloop.corpus.records import DataError
from longloop.settings.params import DemoParams

DEMO = DemoParams(n_documents=30, seed=5, median_tokens=60, length_sigma=0.5, max_tokens=300, n_labels=3)


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def test_the_configured_demo_settings_are_written(tmp_path):
    written = write_demo_corpus(str(tmp_path / "demo.jsonl"), [tmp_path], DEMO)
    expected = generate_corpus(30, seed=5, median_tokens=60, length_sigma=0.5, max_tokens=300, n_labels=3)
    assert _rows(tmp_path / "demo.jsonl") == expected
    assert written.to_dict() == {"path": str(tmp_path / "demo.jsonl"), "records": 30, "shifts": [], "plant": []}
    assert {r["label"] for r in expected} == {"billing", "outage", "security"}


def test_overrides_replace_the_count_seed_stream_shifts_and_plants(tmp_path):
    out = tmp_path / "shifted.jsonl"
    written = write_demo_corpus(
        str(out), [tmp_path], DEMO, n_documents=12, seed=9, stream=2, shifts=["alphabet"], plant=["duplicates"]
    )
    expected = generate_corpus(12, 9, 2, 60, 0.5, 300, 3, shifts=("alphabet",), plant=("duplicates",))
    assert _rows(out) == expected and written.records == len(expected)
    assert written.to_dict()["shifts"] == ["alphabet"] and written.to_dict()["plant"] == ["duplicates"]
    assert all(r["id"].startswith("doc-2-") for r in expected[:12])


def test_the_defaults_are_those_of_demo_params(tmp_path):
    written = write_demo_corpus(str(tmp_path / "d.jsonl"), [tmp_path], DemoParams(), n_documents=3)
    assert _rows(written.path) == generate_corpus(3)


@pytest.mark.parametrize(
    "name, needle", [("demo.json", "written as .jsonl"), ("../demo.jsonl", "outside the allowed folders")]
)
def test_bad_output_paths_are_refused_before_anything_is_written(tmp_path, name, needle):
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(DataError, match=needle):
        write_demo_corpus(str(project / name), [project], DEMO)
    assert not list(tmp_path.rglob("demo.*"))
