"""Read JSONL, CSV and Parquet datasets into validated records, with errors naming file, line and field."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from longloop.corpus.jsonl_lines import jsonl_lines
from longloop.corpus.records import DataError, Record, record_from_mapping

MAX_PATH_CHARS = 4096  # PATH_MAX on Linux
MAX_NAME_BYTES = 255  # NAME_MAX
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//|\\\\)")


@dataclass
class ReadResult:
    records: list[Record]
    quarantined: list[dict] = field(default_factory=list)  # {"where", "reason", "row"}


def _shown(path: object) -> str:
    """A user-given path as it may appear in a one-line message: control characters escaped, long ones cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))
    return text if len(text) <= 120 else text[:100] + f"... ({len(text)} characters)"


def _decoded_forms(text: str) -> list[str]:
    """The path as a later layer might read it: percent-decoded (repeatedly), NFKC-folded, backslashes as '/'."""
    forms, current = [], text
    for _ in range(4):
        try:
            decoded = unquote(current, errors="strict")
        except UnicodeDecodeError:
            raise DataError(f"{_shown(text)}: path holds percent-encoding that is not valid UTF-8") from None
        if decoded == current:
            break
        current = decoded
        forms.append(current)
    folded = [unicodedata.normalize("NFKC", f).replace("\\", "/") for f in [text, *forms]]
    return [f for f in dict.fromkeys(folded) if f != text]


def resolve_inside(path: str | Path, allowed_roots: list[Path]) -> Path:
    """Resolve a user-given path (symlinks included) and refuse it when it leaves the allowed roots.

    Refused as well: NUL bytes, over-long paths, ``~`` (left to the shell), URLs, and paths that leave the roots
    once percent-decoded, Unicode-folded or read with ``\\`` as a separator, so that no later layer that decodes
    them can be led outside either.
    """
    text = str(path)
    roots = [Path(r).resolve() for r in allowed_roots]
    where = ", ".join(str(r) for r in roots)
    if not text.strip():
        raise DataError("path is empty")
    if "\x00" in text:
        raise DataError(f"{_shown(text)}: path contains a NUL byte")
    if len(text) > MAX_PATH_CHARS or any(
        len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in re.split(r"[/\\]", text)
    ):
        raise DataError(f"{_shown(text)}: path is too long")
    if text.startswith("~"):
        raise DataError(f"{_shown(text)}: path starts with '~', which longloop does not expand (give the path itself)")
    if _URL_SCHEME.match(text):
        raise DataError(f"{_shown(text)}: a URL, not a local path")
    candidates = [text, *_decoded_forms(text)]
    resolved: Path | None = None
    for candidate in candidates:
        if "\x00" in candidate:
            raise DataError(f"{_shown(text)}: path contains a NUL byte")
        try:
            r = Path(candidate).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, unresolvable names
            raise DataError(f"{_shown(text)}: path cannot be resolved ({type(exc).__name__})") from None
        if not any(r == root or root in r.parents for root in roots):
            raise DataError(f"{_shown(text)}: path is outside the allowed folders ({where})")
        resolved = resolved or r
    if resolved is None:  # cannot happen: candidates always holds the text itself
        raise DataError(f"{_shown(text)}: path cannot be resolved")
    return resolved


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _rows_jsonl(path: Path, raw: str):
    for lineno, line in jsonl_lines(raw):  # "\n" only: raw U+2028 and U+0085 are valid inside JSON strings
        where = f"{path}:{lineno}"
        try:
            yield where, json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            yield where, DataError(f"{where}: malformed JSON ({exc.msg})")
        except _DuplicateKey as exc:
            yield where, DataError(f"{where}: key {_shown(exc.args[0])!r} appears twice in one object")
        except RecursionError:
            yield where, DataError(f"{where}: JSON nested too deeply")


def _rows_csv(path: Path, raw: str, max_text_chars: int):
    # The csv module refuses fields over 128 KiB by default; the record check applies the configured limit.
    csv.field_size_limit(max(csv.field_size_limit(), max_text_chars + 1))
    # strict: a quote never closed or stray text after a closing quote is an error, not a field that swallows
    # the rest of the file
    reader = csv.DictReader(io.StringIO(raw, newline=""), strict=True)
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row:  # DictReader files values beyond the header under the key None
                header = reader.fieldnames
                if header is None:  # cannot happen: DictReader reads the header before it yields a row
                    raise DataError(f"{where}: CSV row read before its header")
                yield (
                    where,
                    DataError(f"{where}: {len(header) + len(row[None])} fields where the header names {len(header)}"),
                )
                continue
            yield where, row
    except csv.Error as exc:  # raised before the broken record's line is counted
        where = f"{path}:{reader.line_num + 1}"
        yield where, DataError(f"{where}: malformed CSV ({exc})")


def _rows_parquet(path: Path):
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for a corrupt file
        raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    for i, row in enumerate(table.to_pylist(), start=1):
        yield f"{path}:row {i}", row


def read_dataset(
    path: str | Path,
    allowed_roots: list[Path],
    max_text_chars: int = 400_000,
    quarantine: bool = False,
    benchmark: bool = False,
) -> ReadResult:
    """Read and validate a dataset. With ``quarantine`` bad rows are set aside instead of failing. With
    ``benchmark`` only ``id`` and ``text`` are required (a benchmark set carries no training label or license)
    and every record is held out as ``test``."""
    path, rows = iter_rows(path, allowed_roots, max_text_chars)
    return _records_from_rows(path, rows, max_text_chars, quarantine, benchmark)


def iter_rows(
    path: str | Path, allowed_roots: list[Path], max_text_chars: int = 400_000
) -> tuple[Path, Iterator[tuple[str, dict | DataError]]]:
    """The resolved path and its raw rows as ``(where, row or DataError)``, for any supported format: every
    reader of user files (datasets, production documents, feedback labels) opens files the same way."""
    path = resolve_inside(path, allowed_roots)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a dataset file")
    if not path.is_file():
        raise DataError(f"{path}: file not found" if not path.exists() else f"{path}: not a regular file")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv", ".parquet"):
        raise DataError(f"{path}: unsupported format '{suffix or '(none)'}' (use .jsonl, .csv or .parquet)")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    if suffix == ".parquet":
        rows = _rows_parquet(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
        try:
            raw = data.decode("utf-8-sig")  # a byte-order mark at the start is allowed
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DataError(f"{path}:{line}: invalid UTF-8 bytes") from None
        if not raw.strip():
            raise DataError(f"{path}: file holds only whitespace")
        rows = _rows_jsonl(path, raw) if suffix == ".jsonl" else _rows_csv(path, raw, max_text_chars)
    return path, rows


def _records_from_rows(path: Path, rows, max_text_chars: int, quarantine: bool, benchmark: bool) -> ReadResult:
    result = ReadResult(records=[])
    seen: dict[str, str] = {}
    for where, row in rows:
        try:
            if isinstance(row, DataError):
                raise row
            if benchmark and isinstance(row, dict):
                row = {
                    "label": "(benchmark)",
                    "license": "",
                    "source": path.name,
                    **{k: v for k, v in row.items() if v not in (None, "")},
                    "split": "test",
                }
            rec = record_from_mapping(row, where, max_text_chars)
            if rec.id in seen:
                raise DataError(f"{where}: field 'id' duplicates id {rec.id!r} first seen at {seen[rec.id]}")
            seen[rec.id] = where
            result.records.append(rec)
        except DataError as exc:
            if not quarantine:
                raise
            result.quarantined.append(
                {"where": where, "reason": str(exc), "row": row if isinstance(row, dict) else None}
            )
    if not result.records:
        raise DataError(f"{path}: no valid records")
    return result


def read_benchmark_sets(paths: list[str] | tuple[str, ...], root: Path, max_text_chars: int) -> list[Record]:
    """The records of registered benchmark sets (paths relative to the project ``root`` and inside it), ids
    prefixed with the file name so that they never collide with the dataset's."""
    records = []
    for given in paths:
        path = Path(given) if Path(given).is_absolute() else Path(root) / given
        for rec in read_dataset(path, [Path(root)], max_text_chars, benchmark=True).records:
            records.append(dataclasses.replace(rec, id=f"{Path(given).name}:{rec.id}"))
    return records
