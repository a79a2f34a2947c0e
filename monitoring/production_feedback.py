"""Turn feedback labels into training records by joining them, by id, to what production actually served.

The text comes from the inference log (masked like every log line), so retraining learns from the documents the
model answered, and a label never reaches the dataset without the document it labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from longloop.corpus.records import Record
from longloop.governance.redaction import mask_text


@dataclass
class FeedbackJoin:
    records: list[Record]
    quarantined: list[dict] = field(default_factory=list)  # {"id", "label", "reason"}
    unmatched: list[str] = field(default_factory=list)  # label ids no served document carries

    def summary(self) -> dict:
        return {"records": len(self.records), "quarantined": len(self.quarantined), "unmatched": len(self.unmatched)}


def join_feedback(
    labels: dict[str, str], log_rows: list[dict], known_labels: set[str], license_id: str, source: str
) -> FeedbackJoin:
    """Records for the labelled documents of ``log_rows`` (the latest logged text of each id wins); labels the
    model was never trained on are set aside, whatever the caller then does with them. The log masks ids like
    text (a version ``1.2.5.1`` inside an id reads as an IP address), so a label's id is matched as the log
    wrote it, and the record keeps that masked id."""
    text_by_id = {
        r["id"]: r["text"] for r in log_rows if isinstance(r.get("id"), str) and isinstance(r.get("text"), str)
    }
    out = FeedbackJoin(records=[])
    for doc_id, label in labels.items():
        if label not in known_labels:
            out.quarantined.append({"id": doc_id, "label": label, "reason": "label the model was never trained on"})
        elif (logged_id := doc_id if doc_id in text_by_id else mask_text(doc_id)) not in text_by_id:
            out.unmatched.append(doc_id)
        else:
            out.records.append(
                Record(id=logged_id, text=text_by_id[logged_id], label=label, license=license_id, source=source)
            )
    return out
