import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError
from tests.refusal_counts import BAD_INPUTS, count

GOOD = {"id": "a", "text": "some text", "label": "x", "license": "MIT", "source": "s"}


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_reads_jsonl_csv_and_parquet(tmp_path):
    rows = [{**GOOD, "split": None}, {**GOOD, "id": "b", "split": "test"}]
    j = _jsonl(tmp_path / "d.jsonl", rows)
    c = tmp_path / "d.csv"
    c.write_text('id,text,label,license,source,split\na,"some, text",x,MIT,s,\n')
    p = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist(rows), p)
    assert [r.id for r in read_dataset(j, [tmp_path]).records] == ["a", "b"]
    assert read_dataset(c, [tmp_path]).records[0].text == "some, text"
    assert read_dataset(p, [tmp_path]).records[1].split == "test"


@pytest.mark.parametrize(
    "content, needle",
    [
        ([GOOD, "{not json"], ":2: malformed JSON"),
        ([{k: v for k, v in GOOD.items() if k != "label"}], ":1: field 'label' is missing"),
        ([GOOD, GOOD], ":2: field 'id' duplicates id 'a'"),
        ([{**GOOD, "text": "   "}], "field 'text' is empty"),
        ([{**GOOD, "text": 5}], "field 'text' must be a string"),
        ([{**GOOD, "text": "bell\x07"}], "control characters"),
        ([{**GOOD, "split": "dev"}], "field 'split' must be one of"),
        (["[1, 2]"], "expected an object"),
    ],
)
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


def _csv(path, text):
    path.write_text(text)
    return path


HEADER = "id,text,label,license,source\n"


@pytest.mark.parametrize(
    "content, needle",
    [
        ("id,text,license,source\na,t,MIT,s\n", ":2: field 'label' is missing"),
        (HEADER + "a,t,x,MIT,s\na,u,x,MIT,s\n", ":3: field 'id' duplicates id 'a'"),
        (HEADER + "a,  ,x,MIT,s\n", ":2: field 'text' is empty"),
        (HEADER + "a,t,,MIT,s\n", ":2: field 'label' is empty"),
        (HEADER + 'a,"bell\x07",x,MIT,s\n', ":2: field 'text' contains control characters"),
        ("id,text,label,license,source,split\na,t,x,MIT,s,dev\n", ":2: field 'split' must be one of"),
        (HEADER + "a,t,x,MIT,s,extra\n", ":2: 6 fields where the header names 5"),
        (HEADER + 'a,"never closed,x,MIT,s\n', ":2: malformed CSV (unexpected end of data)"),
        (HEADER + 'a,"quoted" then text,x,MIT,s\n', ":2: malformed CSV"),
    ],
)
def test_bad_csv_rows_name_file_line_and_field(tmp_path, content, needle):
    path = _csv(tmp_path / "bad.csv", content)
    with pytest.raises(DataError) as err:
        read_dataset(path, [tmp_path])
    assert needle in str(err.value) and str(path) in str(err.value)
    count(BAD_INPUTS)


def test_bad_csv_files(tmp_path):
    with pytest.raises(DataError, match=":3: invalid UTF-8"):
        (tmp_path / "l.csv").write_bytes(HEADER.encode() + b"a,t,x,MIT,s\nb,\xff\xfe,x,MIT,s\n")
        read_dataset(tmp_path / "l.csv", [tmp_path])
    with pytest.raises(DataError, match="file is empty"):
        read_dataset(_csv(tmp_path / "e.csv", ""), [tmp_path])
    with pytest.raises(DataError, match="no valid records"):
        read_dataset(_csv(tmp_path / "h.csv", HEADER), [tmp_path])


@pytest.mark.parametrize(
    "rows, needle",
    [
        ([{k: v for k, v in GOOD.items() if k != "label"}], ":row 1: field 'label' is missing"),
        ([GOOD, GOOD], ":row 2: field 'id' duplicates id 'a'"),
        ([{**GOOD, "text": ""}], ":row 1: field 'text' is empty"),
        ([{**GOOD, "text": 7}], ":row 1: field 'text' must be a string, got int"),
        ([{**GOOD, "label": None}], ":row 1: field 'label' is missing"),
        ([{**GOOD, "text": "esc\x1b[2J"}], ":row 1: field 'text' contains control characters"),
    ],
)
def test_bad_parquet_rows_name_file_row_and_field(tmp_path, rows, needle):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    with pytest.raises(DataError) as err:
        read_dataset(path, [tmp_path])
    assert needle in str(err.value) and str(path) in str(err.value)
    count(BAD_INPUTS)


def test_empty_parquet_table_and_csv_quarantine(tmp_path):
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=pa.schema([(k, pa.string()) for k in GOOD])), empty)
    with pytest.raises(DataError, match="no valid records"):
        read_dataset(empty, [tmp_path])
    mixed = _csv(tmp_path / "q.csv", HEADER + "a,t,x,MIT,s\nb,,x,MIT,s\nc,u,x,MIT,s\n")
    res = read_dataset(mixed, [tmp_path], quarantine=True)
    assert [r.id for r in res.records] == ["a", "c"] and res.quarantined[0]["where"].endswith(":3")


def test_benchmark_sets_need_only_id_and_text(tmp_path):
    from longloop.corpus.readers import read_benchmark_sets

    _jsonl(tmp_path / "bench.jsonl", [{"id": "q1", "text": "what is held out"}, {"id": "q2", "text": "more"}])
    _csv(tmp_path / "bench.csv", "id,text,label\nq1,from a csv,\n")
    recs = read_benchmark_sets(["bench.jsonl", "bench.csv"], tmp_path, 1000)
    assert [r.id for r in recs] == ["bench.jsonl:q1", "bench.jsonl:q2", "bench.csv:q1"]
    assert {r.split for r in recs} == {"test"}
    with pytest.raises(DataError, match="field 'text' is missing"):
        read_benchmark_sets([str(_jsonl(tmp_path / "b2.jsonl", [{"id": "x"}]))], tmp_path, 1000)
    with pytest.raises(DataError, match="outside the allowed folders"):
        read_benchmark_sets(["../elsewhere.jsonl"], tmp_path, 1000)
