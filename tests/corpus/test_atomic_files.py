import json
import os

from longloop.corpus.atomic_files import append_jsonl, publish_folder, read_jsonl_complete, write_json_atomic


def test_a_line_cut_short_by_a_kill_is_skipped_then_cut_off_by_the_next_append(tmp_path):
    log = tmp_path / "log.jsonl"
    append_jsonl(log, {"n": 1})
    with open(log, "ab") as fh:  # what a writer killed halfway through its line leaves
        fh.write(b'{"n": 2, "te')
    assert read_jsonl_complete(log) == [{"n": 1}]
    append_jsonl(log, {"n": 3})
    assert log.read_bytes() == b'{"n": 1}\n{"n": 3}\n'
    assert read_jsonl_complete(log) == [{"n": 1}, {"n": 3}]


def test_a_fragment_longer_than_a_read_chunk_and_a_file_that_is_only_a_fragment(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'{"n": 1}\n' + b"x" * 200_000)
    append_jsonl(log, {"n": 2})
    assert read_jsonl_complete(log) == [{"n": 1}, {"n": 2}]
    only = tmp_path / "only.jsonl"
    only.write_bytes(b'{"cut')
    append_jsonl(only, {"n": 1})
    assert only.read_bytes() == b'{"n": 1}\n'


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = write_json_atomic(tmp_path / "a" / "x.json", {"k": [1, 2]})
    assert json.loads(target.read_text()) == {"k": [1, 2]}
    assert os.listdir(target.parent) == ["x.json"]


def test_a_published_folder_replaces_the_old_one_whole(tmp_path):
    final = tmp_path / "model"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    tmp = tmp_path / ".model.tmp"
    (tmp / "sub").mkdir(parents=True)
    (tmp / "weights.bin").write_bytes(b"new")
    (tmp / "sub" / "spec.json").write_text("{}")
    assert publish_folder(tmp, final) == final
    assert sorted(p.relative_to(final).as_posix() for p in final.rglob("*")) == ["sub", "sub/spec.json", "weights.bin"]
    assert not tmp.exists() and sorted(os.listdir(tmp_path)) == ["model"]
