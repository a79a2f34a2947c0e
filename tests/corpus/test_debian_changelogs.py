"""The real corpus built from this machine's Debian changelogs: built at test time, sizes asserted (a machine
without it fails here instead of skipping), and the builder's choices checked on a small doc root made here."""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from longloop.corpus.debian_changelogs import build_debian_corpus
from longloop.corpus.debian_formats import changelog_entries, first_dep5_license
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError, record_from_mapping
from tests.cli_runner import run_cli

# Measured on this project's machine (Debian 12, 2026-12-04): 289 documents (one per source package) in 6
# sections with 20 or more (libs 158, java 31, python 27, utils 26, libdevel 25, misc 22), 543 production
# entries. The thresholds sit a little below, so that a few packages more or less still pass.
MIN_DOCUMENTS = 250
MIN_LABELS_WITH_20 = 5
MIN_PRODUCTION = 400


@pytest.fixture(scope="module")
def corpus():
    try:
        return build_debian_corpus(min_documents=MIN_DOCUMENTS, min_per_label=20)
    except DataError as exc:  # the corpus should exist on this project's machines: a failure, not a skip
        pytest.fail(f"the Debian changelog corpus cannot be built here: {exc}")


def test_the_corpus_is_big_enough(corpus):
    assert len(corpus.records) >= MIN_DOCUMENTS
    assert sum(1 for n in corpus.labels.values() if n >= 20) >= MIN_LABELS_WITH_20, corpus.labels
    assert len(corpus.production) >= MIN_PRODUCTION
    assert all(n >= 20 for n in corpus.labels.values())  # smaller sections were dropped
    assert {r["label"] for r in corpus.records} == set(corpus.labels)


def test_every_document_is_a_valid_record_with_unique_ids(corpus):
    for r in corpus.records:
        record_from_mapping(r, r["id"], 400_000)
        assert r["text"].rstrip().split("\n")[-1].startswith(" -- ")  # whole entries, ending with a trailer
    ids = [r["id"] for r in corpus.records] + [p["id"] for p in corpus.production]
    assert len(ids) == len(set(ids))
    assert [r["id"] for r in corpus.records] == sorted(r["id"] for r in corpus.records)


def test_production_entries_are_newer_than_the_training_entries_of_their_package(corpus):
    training = {r["id"]: r for r in corpus.records}
    for p in corpus.production:
        package, _, version = p["id"].partition("@")
        assert package == p["package"] and version and p["label"] == training[package]["label"]
        dates = [d for d in training[package]["dates"] if d]
        assert not dates or datetime.fromisoformat(p["date"]) > max(map(datetime.fromisoformat, dates)), p["id"]
        assert p["text"] not in training[package]["text"]
    assert [p["date"] for p in corpus.production] == sorted(p["date"] for p in corpus.production)  # a stream in time


def test_licenses_come_from_the_packages_dep5_copyright_files(corpus):
    with_license = [r for r in corpus.records if r["license"]]
    assert len(with_license) >= len(corpus.records) // 2
    for r in corpus.records:
        copyright_file = Path(r["source"]).parent / "copyright"
        if not r["license"]:
            continue
        text = copyright_file.read_text(encoding="utf-8", errors="replace")
        assert re.match(r"\s*format:", text, re.IGNORECASE), copyright_file  # machine-readable (DEP-5)
        first = re.search(r"^license:[ \t]*(.*?)[ \t]*$", text, re.IGNORECASE | re.MULTILINE)
        assert first and first.group(1) == r["license"], (copyright_file, r["license"])


def test_the_build_is_deterministic(corpus):
    again = build_debian_corpus(min_documents=MIN_DOCUMENTS, min_per_label=20)
    assert again.records == corpus.records and again.production == corpus.production


def test_too_few_documents_is_a_clear_data_error(tmp_path):
    with pytest.raises(DataError, match="only 0 documents could be built"):
        build_debian_corpus(tmp_path, min_documents=1, sections={})
    with pytest.raises(DataError, match="not a folder"):
        build_debian_corpus(tmp_path / "nope", sections={})


# ------------------------------------------------------------ the builder's choices, on a doc root made here


def _entry(source: str, version: str, date: str, body: str = "  * A change.") -> str:
    return f"{source} ({version}) unstable; urgency=medium\n\n{body}\n\n -- A Maintainer <a@example.org>  {date}\n"


def _package(root: Path, name: str, entries: list[str], copyright_text: str | None = None, tail: str = "") -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "changelog.Debian.gz").write_bytes(gzip.compress(("\n".join(entries) + tail).encode()))
    if copyright_text is not None:
        (folder / "copyright").write_text(copyright_text)
    return folder


DEP5 = (
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\n"
    "Files: *\nCopyright: someone\nLicense: GPL-2+\n\nLicense: GPL-2+\n On Debian systems ...\n"
)


def test_one_document_per_source_symlinks_skipped_and_newest_entries_in_production(tmp_path):
    foo = [
        _entry("foo", "1.2-1", "Mon, 02 Jan 2023 13:06:21 +0100", "  * Newest.\u2028Same line for JSON."),
        _entry("foo", "1.1-1", "Sat, 31 Dec 2022 16:40:30 +0100"),
        _entry("foo", "1.0-1", "Sun, 10 Nov 2019 11:45:12 +0100"),
    ]
    _package(tmp_path, "foo", foo, DEP5, tail="\n# Older entries have been removed from this changelog.\n")
    _package(tmp_path, "libfoo-dev", foo[1:], DEP5)  # the same source: not a second document
    (tmp_path / "foo-doc").symlink_to(tmp_path / "foo")  # another package's folder
    (tmp_path / "foo-common").mkdir()  # a changelog that is a symlink to another package's
    (tmp_path / "foo-common" / "changelog.Debian.gz").symlink_to("../foo/changelog.Debian.gz")
    _package(
        tmp_path,
        "bar",
        [_entry("bar", "2", "Tue, 01 Feb 2022 10:00:00 +0000")],
        "Bar is free software.\nLicense: not a field, this file is free-form\n",
    )
    _package(tmp_path, "lonely", [_entry("lonely", "1", "Tue, 01 Feb 2022 10:00:00 +0000")])
    sections = {
        "foo": "utils",
        "libfoo-dev": "libdevel",
        "foo-doc": "doc",
        "foo-common": "misc",
        "bar": "utils",
        "lonely": "contrib",
    }
    corpus = build_debian_corpus(tmp_path, min_documents=2, min_per_label=2, production_entries=1, sections=sections)

    assert [r["id"] for r in corpus.records] == ["bar", "foo"] and corpus.labels == {"utils": 2}
    foo_doc = next(r for r in corpus.records if r["id"] == "foo")
    assert foo_doc["license"] == "GPL-2+" and foo_doc["source_package"] == "foo"
    assert "1.1-1" in foo_doc["text"] and "1.2-1" not in foo_doc["text"] and "Older entries" not in foo_doc["text"]
    assert foo_doc["dates"] == ["2022-12-31T15:40:30+00:00", "2019-11-10T10:45:12+00:00"]
    assert next(r for r in corpus.records if r["id"] == "bar")["license"] == ""  # not a DEP-5 file
    # bar has one entry only: it stays training, so no production entry
    assert corpus.production == [
        {
            "id": "foo@1.2-1",
            "text": foo[0].strip("\n"),
            "label": "utils",
            "package": "foo",
            "date": "2023-01-02T12:06:21+00:00",
        }
    ]
    assert corpus.feedback_labels() == [{"id": "foo@1.2-1", "label": "utils"}]
    assert corpus.production_documents() == [{"id": "foo@1.2-1", "text": foo[0].strip("\n")}]
    assert corpus.skipped == {
        "another binary package of the same source": 2,
        "folder is a symlink to another package's": 1,
        "label with fewer than 2 documents": 1,
    }


def test_an_entry_tied_with_the_newest_training_entry_stays_in_training(tmp_path):
    same = "Mon, 02 Jan 2023 13:06:21 +0100"
    _package(tmp_path, "foo", [_entry("foo", "2", same), _entry("foo", "1", same)])
    corpus = build_debian_corpus(
        tmp_path, min_documents=1, min_per_label=1, production_entries=1, sections={"foo": "utils"}
    )
    assert corpus.production == [] and "foo (2)" in corpus.records[0]["text"]


def test_an_over_long_history_keeps_its_newest_whole_entries(tmp_path):
    entries = [
        _entry("foo", f"1.{i}", "Mon, 02 Jan 2023 13:06:21 +0100", "  * " + "word " * 100) for i in range(9, -1, -1)
    ]
    _package(tmp_path, "foo", entries)
    corpus = build_debian_corpus(
        tmp_path,
        min_documents=1,
        min_per_label=1,
        production_entries=0,
        max_text_chars=2_000,
        sections={"foo": "utils"},
    )
    text = corpus.records[0]["text"]
    assert len(text) <= 2_000 and text.startswith("foo (1.9)") and text.endswith("+0100")
    assert len(corpus.records[0]["dates"]) == text.count("\n -- ")


def test_changelog_entries_and_dep5_licenses():
    text = (
        _entry("foo", "2", "Mon, 02 Jan 2023 13:06:21 +0100", "  * Keeps\u2028one\u0085entry.")
        + "\n"
        + _entry("foo", "1", "Sun,  21 Nov 1999 01:30:56 +0100").replace(">  Sun", "> Sun")
        + "\nOld Changelog:\n  lines that belong to no entry\n"
    )
    entries = changelog_entries(text)
    assert [(e.source, e.version, e.position) for e in entries] == [("foo", "2", 0), ("foo", "1", 1)]
    assert entries[1].date.year == 1999 and "\u2028one\u0085" in entries[0].text
    assert first_dep5_license(DEP5) == "GPL-2+"
    assert first_dep5_license("format: x\n\nFiles: *\nlicense:   BSD-3-clause or GPL  \n") == "BSD-3-clause or GPL"
    assert first_dep5_license("This package was debianized by someone.\nLicense: GPL\n") == ""


# ------------------------------------------------------------ the command line


def test_real_corpus_command_writes_documents_production_and_feedback(project):
    res = run_cli(
        project,
        "real-corpus",
        "--out",
        "data/real.jsonl",
        "--production-out",
        "data/prod.jsonl",
        "--feedback-out",
        "data/feedback.jsonl",
        "--min-documents",
        str(MIN_DOCUMENTS),
        "--json",
        timeout=300,
    )
    assert res.code == 0, res.stderr[-2000:]
    summary = res.json

    def rows(name):
        return [json.loads(line) for line in (project / "data" / name).read_text(encoding="utf-8").split("\n") if line]

    documents, production, feedback = rows("real.jsonl"), rows("prod.jsonl"), rows("feedback.jsonl")
    assert len(documents) == summary["documents"] >= MIN_DOCUMENTS
    assert len(production) == len(feedback) == summary["production_entries"] >= MIN_PRODUCTION
    assert all(set(p) == {"id", "text"} for p in production) and all(set(f) == {"id", "label"} for f in feedback)
    assert [p["id"] for p in production] == [f["id"] for f in feedback]
    assert {f["label"] for f in feedback} <= set(summary["labels"])
    # the training file is a dataset longloop reads at the door, every record of it
    assert len(read_dataset(project / "data" / "real.jsonl", [project]).records) == len(documents)


def test_real_corpus_command_refuses_in_one_line(project):
    (project / "empty-docs").mkdir()
    for args, needle in [
        (("--out", "x.jsonl", "--doc-root", "empty-docs"), "only 0 documents could be built"),
        (("--out", "x.csv"), "written as .jsonl"),
        (("--out", "x.jsonl", "--feedback-out", "x.jsonl"), "must be different files"),
        (("--out", "../x.jsonl"), "outside the allowed folders"),
    ]:
        res = run_cli(project, "real-corpus", *args, timeout=120)
        lines = [line for line in res.stderr.split("\n") if line.strip()]
        assert res.code == 2 and len(lines) == 1 and needle in lines[0], (args, res.stderr[-2000:])
        assert not (project / "x.jsonl").exists() and not (project / "x.csv").exists()
    assert os.listdir(project / "empty-docs") == []
