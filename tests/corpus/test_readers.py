import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus.readers import read_dataset
from corpus.records import DataError

GOOD = {"id": "a", "text": "some text", "label": "x", "license": "MIT", "source": "s"}


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_reads_jsonl_csv_and_parquet(tmp_path):
    rows = [{**GOOD, "split": None}, {**GOOD, "id": "b", "split": "test"}]
    j = _jsonl(tmp_path / "d.jsonl", rows)
    c = tmp_path / "d.csv"
    c.write_text("id,text,label,license,source,split\na,\"some, text\",x,MIT,s,\n")
    p = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist(rows), p)
    assert [r.id for r in read_dataset(j, [tmp_path]).records] == ["a", "b"]
    assert read_dataset(c, [tmp_path]).records[0].text == "some, text"
    assert read_dataset(p, [tmp_path]).records[1].split == "test"


@pytest.mark.parametrize("content, needle", [
    ([GOOD, "{not json"], ":2: malformed JSON"),
    ([{k: v for k, v in GOOD.items() if k != "label"}], ":1: field 'label' is missing"),
    ([GOOD, GOOD], ":2: field 'id' duplicates id 'a'"),
    ([{**GOOD, "text": "   "}], "field 'text' is empty"),
    ([{**GOOD, "text": 5}], "field 'text' must be a string"),
    ([{**GOOD, "text": "bell\x07"}], "control characters"),
    ([{**GOOD, "split": "dev"}], "field 'split' must be one of"),
    (["[1, 2]"], "expected an object"),
])
def test_bad_rows_name_file_line_and_field(tmp_path, content, needle):
    path = _jsonl(tmp_path / "bad.jsonl", content)
    with pytest.raises(DataError) as err:
        read_dataset(path, [tmp_path])
    assert needle in str(err.value) and str(path) in str(err.value)


def test_bad_files(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="file is empty"):
        read_dataset(empty, [tmp_path])
    latin = tmp_path / "l.jsonl"
    latin.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"id": "\xff"}\n')
    with pytest.raises(DataError, match=":2: invalid UTF-8"):
        read_dataset(latin, [tmp_path])
    with pytest.raises(DataError, match="unsupported format"):
        read_dataset(_jsonl(tmp_path / "d.txt", [GOOD]), [tmp_path])
    with pytest.raises(DataError, match="not a readable Parquet"):
        (tmp_path / "x.parquet").write_bytes(b"PAR1garbage")
        read_dataset(tmp_path / "x.parquet", [tmp_path])


def test_paths_outside_the_allowed_roots_are_refused(tmp_path):
    inside = tmp_path / "project"
    inside.mkdir()
    outside = _jsonl(tmp_path / "secret.jsonl", [GOOD])
    (inside / "link.jsonl").symlink_to(outside)
    for attempt in (outside, inside / "../secret.jsonl", inside / "link.jsonl"):
        with pytest.raises(DataError, match="outside the allowed folders"):
            read_dataset(attempt, [inside])


def test_quarantine_sets_bad_rows_aside(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [GOOD, "{oops", {**GOOD, "id": "c", "text": ""}])
    res = read_dataset(path, [tmp_path], quarantine=True)
    assert [r.id for r in res.records] == ["a"]
    assert len(res.quarantined) == 2
