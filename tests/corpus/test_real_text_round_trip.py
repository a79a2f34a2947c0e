"""Valid real-world text survives every reader and the files passed between stages, byte for byte: line and
paragraph separators that ``str.splitlines()`` breaks on, tabs, CRLF, a byte-order mark, emoji, very long
fields. C0 information separators (``\\x1c``-``\\x1e``) are control characters, which the record schema
refuses like a bell or an escape: they get the same clear one-line refusal, at the right line, in every format.
"""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from longloop.corpus.atomic_files import append_jsonl, read_jsonl_complete
from longloop.corpus.dataset_files import read_records, write_records
from longloop.corpus.jsonl_lines import jsonl_lines
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError
from longloop.serving.inference_log import log_prediction, read_inference_log

FIELDS = ["id", "text", "label", "license", "source"]
TEXTS = {
    "line-separator": "first line\u2028second line of the same paragraph",
    "paragraph-separator": "one paragraph\u2029another paragraph",
    "next-line": "an EBCDIC-era break\u0085inside the text",
    "all-three-at-the-ends": "\u2028\u2029\u0085 the text between them \u0085\u2029\u2028",
    "tabs": "column\tcolumn\t\tafter two tabs\t",
    "crlf-inside": "a Windows line\r\nanother\rand an old Mac one\n",
    "emoji": "ship it \U0001f680 \U0001f44d\U0001f3fd family \U0001f468\u200d\U0001f469\u200d\U0001f467 "
    "flag \U0001f1e9\U0001f1ea",
    "bom-inside": "\ufeffa text that itself starts with a byte-order mark",
    "scripts": "e\u0301t\u00e9 \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629 "
    "\u4e2d\u6587 \u200f",
    "csv-syntax": 'he said "a, b"\n\nnew paragraph, "quoted"',
    "very-long": ("word \u2028" * 60_000)[:390_000],
}
ROWS = [
    {"id": name, "text": text, "label": "xy"[i % 2], "license": "MIT", "source": "real-text"}
    for i, (name, text) in enumerate(TEXTS.items())
]


def _jsonl(rows, *, ascii_only=False, line_end="\n", bom=False) -> bytes:
    body = "".join(json.dumps(r, ensure_ascii=ascii_only) + line_end for r in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8")


def _csv(rows, *, bom=False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=FIELDS)  # the csv module writes CRLF record ends
    writer.writeheader()
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _parquet(rows) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


FILES = {
    "raw.jsonl": lambda rows: _jsonl(rows),
    "escaped.jsonl": lambda rows: _jsonl(rows, ascii_only=True),
    "crlf.jsonl": lambda rows: _jsonl(rows, line_end="\r\n"),
    "bom.jsonl": lambda rows: _jsonl(rows, bom=True),
    "plain.csv": lambda rows: _csv(rows),
    "bom.csv": lambda rows: _csv(rows, bom=True),
    "table.parquet": _parquet,
}


@pytest.mark.parametrize("name", FILES)
def test_every_reader_keeps_valid_text_exactly(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(FILES[name](ROWS))
    records = read_dataset(path, [tmp_path]).records
    assert {r.id: r.text for r in records} == TEXTS


@pytest.mark.parametrize("name", FILES)
def test_the_dataset_file_between_stages_keeps_the_text(tmp_path, name):
    """What broke: a CSV passed the door, the stage wrote it as JSONL with U+2028 raw, the next stage's
    ``splitlines()`` cut the record in two."""
    path = tmp_path / name
    path.write_bytes(FILES[name](ROWS))
    records = read_dataset(path, [tmp_path]).records
    stored = write_records(tmp_path / "state" / "dataset.jsonl", records)
    assert read_records(stored) == records
    assert read_records(write_records(tmp_path / "state" / "kept.jsonl", read_records(stored))) == records


def test_append_only_logs_keep_the_text(tmp_path):
    log = tmp_path / "requests.jsonl"
    for name, text in TEXTS.items():
        log_prediction(log, {"id": name, "text": text, "prediction": "x"})
    with open(log, "ab") as fh:
        fh.write(b'{"id": "cut short by a kill", "text": "\xe2\x80\xa8')  # an unterminated last line
    assert {r["id"]: r["text"] for r in read_inference_log(log)} == TEXTS
    other = tmp_path / "ledger.jsonl"
    for name, text in TEXTS.items():
        append_jsonl(other, {"id": name, "text": text})
    assert [r["text"] for r in read_jsonl_complete(other)] == list(TEXTS.values())


def test_jsonl_lines_split_on_newline_only():
    text = '{"a": "x\u2028y"}\r\n\n  \t\r\n{"b": "\u0085\x1c"}\n\u2028\n'
    assert list(jsonl_lines(text)) == [(1, '{"a": "x\u2028y"}'), (4, '{"b": "\u0085\x1c"}'), (5, "\u2028")]


SEPARATED = [*ROWS[:2], {**ROWS[2], "id": "separators", "text": "file\x1cgroup\x1drecord\x1eend"}]


@pytest.mark.parametrize(
    "name, where", [("escaped.jsonl", ":3:"), ("raw.jsonl", ":3:"), ("plain.csv", ":4:"), ("table.parquet", ":row 3:")]
)
def test_information_separators_are_refused_clearly_at_their_line(tmp_path, name, where):
    path = tmp_path / name
    path.write_bytes(FILES[name](SEPARATED))
    with pytest.raises(DataError) as err:
        read_dataset(path, [tmp_path])
    message = str(err.value)
    assert "\n" not in message and f"{path}{where}" in message
    assert "field 'text' contains control characters" in message


def test_a_raw_separator_inside_a_json_string_is_malformed_json_at_its_line(tmp_path):
    """JSON allows U+2028 raw but not the C0 controls: a raw \\x1c is invalid JSON, reported at its own line
    (not at a line number shifted by the U+2028 in the lines before it)."""
    path = tmp_path / "raw-separator.jsonl"
    path.write_bytes(
        _jsonl(ROWS[:2]) + json.dumps(SEPARATED[2], ensure_ascii=False).replace("\\u001c", "\x1c").encode() + b"\n"
    )
    with pytest.raises(DataError, match=r"raw-separator.jsonl:3: malformed JSON \(Invalid control character"):
        read_dataset(path, [tmp_path])


def test_quarantine_names_the_right_line_after_separator_text(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_jsonl([*ROWS, {**ROWS[0], "id": "bell", "text": "ding\x07"}]))
    result = read_dataset(path, [tmp_path], quarantine=True)
    assert len(result.records) == len(ROWS)
    assert [q["where"] for q in result.quarantined] == [f"{path}:{len(ROWS) + 1}"]
