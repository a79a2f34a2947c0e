"""The Debian changelog corpus written to files (built from this machine's packages, as the CLI builds it)."""

import json

import pytest

from longloop.corpus.debian_changelogs import build_debian_corpus
from longloop.corpus.debian_corpus_files import write_debian_corpus
from longloop.corpus.records import DataError

SIZE = {"min_documents": 50, "min_per_label": 20, "max_labels": 3, "production_entries": 1}


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def test_documents_production_and_feedback_files(tmp_path):
    written = write_debian_corpus(
        str(tmp_path / "docs.jsonl"),
        [tmp_path],
        production=str(tmp_path / "prod.jsonl"),
        feedback=str(tmp_path / "labels.jsonl"),
        **SIZE,
    )
    corpus = build_debian_corpus(**SIZE)
    assert _rows(tmp_path / "docs.jsonl") == corpus.records
    assert _rows(tmp_path / "prod.jsonl") == corpus.production_documents()
    assert _rows(tmp_path / "labels.jsonl") == corpus.feedback_labels()
    assert written.paths == {
        "documents": tmp_path / "docs.jsonl",
        "production": tmp_path / "prod.jsonl",
        "feedback": tmp_path / "labels.jsonl",
    }
    data = written.to_dict()
    assert data["documents"] == len(corpus.records) and len(data["labels"]) == 3
    assert data["paths"] == {name: str(path) for name, path in written.paths.items()}
    assert set(data) - {"paths"} == set(corpus.summary())


def test_only_the_documents_when_nothing_else_is_asked(tmp_path):
    written = write_debian_corpus(str(tmp_path / "docs.jsonl"), [tmp_path], **SIZE)
    assert list(written.paths) == ["documents"] and [p.name for p in tmp_path.iterdir()] == ["docs.jsonl"]


@pytest.mark.parametrize(
    "documents, production, needle",
    [
        ("docs.json", None, "docs.json: the real corpus is written as .jsonl"),
        ("docs.jsonl", "prod.txt", "prod.txt: the real corpus is written as .jsonl"),
        ("docs.jsonl", "docs.jsonl", "must be different files"),
        ("../docs.jsonl", None, "outside the allowed folders"),
    ],
)
def test_bad_output_paths_are_refused_before_the_corpus_is_built(tmp_path, documents, production, needle):
    project = tmp_path / "project"
    project.mkdir()
    given = {"production": str(project / production)} if production else {}
    with pytest.raises(DataError, match=needle):  # a missing doc root would be the error if it were built first
        write_debian_corpus(str(project / documents), [project], doc_root=tmp_path / "no-such-folder", **given)
    assert not list(tmp_path.rglob("*.json*")) and not list(tmp_path.rglob("*.txt"))
