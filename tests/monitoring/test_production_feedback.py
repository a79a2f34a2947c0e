from longloop.governance.redaction import mask_text
from longloop.monitoring.production_feedback import join_feedback


def test_labels_join_the_served_documents_by_id_as_the_log_wrote_them():
    # A version inside an id reads as an IP address: the inference log holds the masked id.
    raw_id = "alsa-topology-conf@1.2.5.1-1"
    log = [{"id": mask_text(raw_id), "text": "entry one"}, {"id": "ticket-2", "text": "entry two"}]
    assert mask_text(raw_id) != raw_id
    joined = join_feedback(
        {raw_id: "libs", "ticket-2": "utils", "ticket-9": "libs", "ticket-3": "astrology"},
        log + [{"id": "ticket-3", "text": "x"}],
        {"libs", "utils"},
        "LicenseRef-x",
        "feedback",
    )
    assert [(r.id, r.text, r.label) for r in joined.records] == [
        (mask_text(raw_id), "entry one", "libs"),
        ("ticket-2", "entry two", "utils"),
    ]
    assert joined.unmatched == ["ticket-9"]  # a label for a document production never served
    assert [q["id"] for q in joined.quarantined] == ["ticket-3"]  # a label the model never saw: never merged
    assert all(r.license == "LicenseRef-x" for r in joined.records)
