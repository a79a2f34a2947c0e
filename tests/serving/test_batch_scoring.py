"""Batch scoring with a registered version from a real MLflow store: the same answers as the serving app, every
row traced to its model version and input hash, and a scoring killed halfway resumed without duplicates."""

from __future__ import annotations

import json

import httpx
import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.production_files import read_production_documents
from longloop.corpus.records import DataError
from longloop.serving.batch_scoring import (
    ScoringRequest,
    check_scoring_request,
    partial_path,
    score_documents,
    score_file,
)
from longloop.serving.champion_source import load_registered_version
from longloop.settings.params import ServingParams

SP = ServingParams(port=0, quantize="off")


class Killed(Exception):
    """Stands for SIGKILL: the scoring stops between two chunks, as a kill leaves it."""


def _documents(tmp_path, n=200):
    rows = [{"id": r["id"], "text": r["text"]} for r in generate_corpus(n, seed=5, median_tokens=120, stream=9)]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path, rows


def _request(data, out, tracking_uri, version=None, alias="champion"):
    return ScoringRequest(str(data), str(out), [data.parent], 10**6, tracking_uri, "clf", version, alias)


def _rows(path):
    return [json.loads(line) for line in path.read_text().split("\n") if line]


def test_scores_match_the_served_answers_and_name_their_version(registered_champion, start_app, tmp_path):
    data, docs = _documents(tmp_path, 40)
    out = tmp_path / "scores.jsonl"
    summary = score_file(_request(data, out, registered_champion), SP, progress=False)
    assert summary.documents == 40 and summary.scored_now == 40 and summary.model_version == "1"
    rows = _rows(out)
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    assert {r["model_version"] for r in rows} == {"1"} and {r["data_sha256"] for r in rows} == {summary.data_sha256}
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-4 for r in rows)
    url, _, _ = start_app(SP)
    served = httpx.post(f"{url}/predict", json={"documents": docs[:8]}, timeout=60).json()["predictions"]
    for row, answer in zip(rows, served, strict=False):
        assert row["label"] == answer["label"] and row["confidence"] == pytest.approx(answer["confidence"], abs=1e-5)
    assert summary.to_dict()["seconds_per_1000_documents"] > 0
    again = score_file(_request(data, tmp_path / "v2.jsonl", registered_champion, version="2"), SP)
    assert {r["model_version"] for r in _rows(tmp_path / "v2.jsonl")} == {"2"} and again.model_version == "2"


def test_a_killed_scoring_resumes_from_its_complete_rows_without_duplicates(registered_champion, tmp_path):
    data, docs = _documents(tmp_path)
    model = load_registered_version("clf", "1", quantize="off")
    documents = read_production_documents(data, [tmp_path])
    whole = score_documents(model, documents, tmp_path / "whole.jsonl", "clf", "1", "h", chunk_documents=32)
    out = tmp_path / "scores.jsonl"
    done = []

    def kill_after_three_chunks(n):
        done.append(n)
        if len(done) == 3:
            raise Killed

    with pytest.raises(Killed):
        score_documents(model, documents, out, "clf", "1", "h", kill_after_three_chunks, chunk_documents=32)
    assert not out.exists() and len(_rows(partial_path(out))) == 96  # nothing published yet
    with open(partial_path(out), "a") as fh:
        fh.write('{"id": "half a line')  # what a kill in the middle of a write leaves
    resumed = score_documents(model, documents, out, "clf", "1", "h", chunk_documents=32)
    assert resumed.resumed_from == 96 and resumed.scored_now == len(docs) - 96
    assert _rows(out) == _rows(tmp_path / "whole.jsonl") and whole.documents == len(docs)
    assert not partial_path(out).exists()


def test_a_partial_file_of_other_work_is_not_resumed(registered_champion, tmp_path):
    data, docs = _documents(tmp_path, 40)
    model = load_registered_version("clf", "1", quantize="off")
    documents = read_production_documents(data, [tmp_path])
    out = tmp_path / "scores.jsonl"
    partial_path(out).write_text(json.dumps({"id": docs[0]["id"], "model_version": "2", "data_sha256": "h"}) + "\n")
    summary = score_documents(model, documents, out, "clf", "1", "h")
    assert summary.resumed_from == 0 and [r["model_version"] for r in _rows(out)] == ["1"] * 40


def test_bad_requests_are_one_line_errors(registered_champion, tmp_path):
    data, _ = _documents(tmp_path, 10)
    for request, error in (
        (_request(data, tmp_path / "s.jsonl", registered_champion, version="9"), "no version '9'"),
        (_request(data, tmp_path / "s.jsonl", registered_champion, alias="nope"), "no version with the alias 'nope'"),
        (_request(data, tmp_path / "s.csv", registered_champion), "written as .jsonl"),
        (_request(data, data, registered_champion), "overwrite"),
    ):
        with pytest.raises(DataError, match=error):
            check_scoring_request(request)
        with pytest.raises(DataError, match=error):
            score_file(request, SP, progress=False)
