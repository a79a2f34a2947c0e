"""Two JSONL windows from files: every line checked (one-line errors naming file and line), predictions kept only
when both windows carry them, and the drift job's verdict."""

import json
import re

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import DataError
from longloop.monitoring.drift_input_files import check_drift_between_files, read_drift_window
from longloop.settings.params import MonitoringParams

MP = MonitoringParams(permutations=200)


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _window(n, stream, shifts=(), prediction=False):
    rows = generate_corpus(n, seed=7, stream=stream, median_tokens=120, shifts=shifts)
    return [{"text": r["text"], **({"prediction": r["label"]} if prediction else {})} for r in rows]


def test_a_shifted_window_drifts_and_the_same_one_does_not(tmp_path):
    ref = _write(tmp_path / "ref.jsonl", _window(80, 0))
    cur = _write(tmp_path / "cur.jsonl", _window(80, 1, ("alphabet",)))
    shifted = check_drift_between_files(ref, cur, [tmp_path], 10**6, 512, MP)
    assert shifted.drift_detected and shifted.checks["charset"]["drift"]
    assert shifted.to_dict() == {"drift_detected": True, "score": shifted.score, "checks": shifted.checks}
    same = check_drift_between_files(ref, ref, [tmp_path], 10**6, 512, MP)
    assert not same.drift_detected


def test_predictions_count_only_when_both_windows_carry_them(tmp_path):
    ref = _write(tmp_path / "ref.jsonl", _window(40, 0, prediction=True))
    with_predictions = _write(tmp_path / "cur.jsonl", _window(40, 1, prediction=True))
    without = _write(tmp_path / "bare.jsonl", _window(40, 1))
    assert "prediction" in check_drift_between_files(ref, with_predictions, [tmp_path], 10**6, 512, MP).checks
    assert "prediction" not in check_drift_between_files(ref, without, [tmp_path], 10**6, 512, MP).checks


def test_rows_get_their_word_count(tmp_path):
    path = _write(
        tmp_path / "w.jsonl", [{"text": f"one two three {i}"} for i in range(5)] + [{"text": "x", "n_tokens": 9}]
    )
    rows = read_drift_window(path, [tmp_path], 100)
    assert [r["n_tokens"] for r in rows] == [4] * 5 + [9]


GOOD = [{"text": f"document {i}"} for i in range(5)]


@pytest.mark.parametrize(
    "content, needle",
    [
        ('{"text": \n', "not valid JSONL (JSONDecodeError)"),
        (b'{"text": "\x80"}\n', "not valid JSONL (UnicodeDecodeError)"),
        ([*GOOD, {"text": "  "}], ":6: field 'text' is missing or empty"),
        ([*GOOD, ["a list"]], ":6: field 'text' is missing or empty"),
        ([*GOOD, {"text": "bell \x07"}], ":6: field 'text' holds control characters or invalid Unicode"),
        ([*GOOD, {"text": "ok", "prediction": 1}], ":6: field 'prediction' must be a string"),
        ([*GOOD, {"text": "x" * 101}], ":6: field 'text' is over the limit of 100 characters"),
        (GOOD[:4], "needs at least 5 documents, has 4"),
    ],
)
def test_bad_windows_are_one_line_errors_naming_file_and_line(tmp_path, content, needle):
    path = tmp_path / "w.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        _write(path, content)
    with pytest.raises(DataError, match=f"^{re.escape(str(path))}.*{re.escape(needle)}"):
        read_drift_window(str(path), [tmp_path], 100)


def test_paths_are_checked(tmp_path):
    project = tmp_path / "project"
    (project / "folder").mkdir(parents=True)
    _write(tmp_path / "outside.jsonl", GOOD)
    with pytest.raises(DataError, match="outside the allowed folders"):
        read_drift_window(str(tmp_path / "outside.jsonl"), [project], 100)
    with pytest.raises(DataError, match="is a folder, not a JSONL file"):
        read_drift_window(str(project / "folder"), [project], 100)
    with pytest.raises(DataError, match="file not found"):
        read_drift_window(str(project / "missing.jsonl"), [project], 100)
