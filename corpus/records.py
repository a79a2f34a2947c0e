"""The record schema every dataset is read into: ``{id, text, label, license, source[, split]}``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

REQUIRED_FIELDS = ("id", "text", "label", "license", "source")
SPLITS = ("train", "validation", "test")


class DataError(ValueError):
    """A one-line, user-facing data error naming the file, line and field."""


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    label: str
    license: str
    source: str
    split: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["split"] is None:
            d.pop("split")
        return d


def has_control_chars(text: str) -> bool:
    """Control characters other than newline, carriage return and tab (NUL, bell, escape, DEL, ...)."""
    return any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in text)


def is_valid_unicode(text: str) -> bool:
    """False for strings holding lone surrogates (``"\\ud800"`` in JSON), which no UTF-8 file can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def record_from_mapping(row: object, where: str, max_text_chars: int) -> Record:
    """Validate one raw row; ``where`` is ``file:line`` for the error message."""
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected an object with fields {', '.join(REQUIRED_FIELDS)}")
    for name in REQUIRED_FIELDS:
        if name not in row or row[name] is None:
            raise DataError(f"{where}: field '{name}' is missing")
        if not isinstance(row[name], str):
            raise DataError(f"{where}: field '{name}' must be a string, got {type(row[name]).__name__}")
        if not is_valid_unicode(row[name]):
            raise DataError(f"{where}: field '{name}' holds a lone surrogate, not valid Unicode")
    if not row["id"].strip():
        raise DataError(f"{where}: field 'id' is empty")
    if not row["text"].strip():
        raise DataError(f"{where}: field 'text' is empty")
    if len(row["text"]) > max_text_chars:
        raise DataError(f"{where}: field 'text' has {len(row['text'])} characters, over the limit of {max_text_chars}")
    if has_control_chars(row["text"]):
        raise DataError(f"{where}: field 'text' contains control characters")
    if not row["label"].strip():
        raise DataError(f"{where}: field 'label' is empty")
    for name in ("id", "label", "license", "source"):  # one-line values: not even newlines or tabs
        if any(ord(c) < 32 or ord(c) == 127 for c in row[name]):
            raise DataError(f"{where}: field '{name}' contains control characters")
    split = row.get("split") or None  # CSV gives "" for an empty optional column
    if split is not None and split not in SPLITS:
        raise DataError(f"{where}: field 'split' must be one of {', '.join(SPLITS)}, got {split!r}")
    return Record(
        id=row["id"], text=row["text"], label=row["label"], license=row["license"], source=row["source"], split=split
    )
