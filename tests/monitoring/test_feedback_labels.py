from longloop.monitoring.feedback_labels import labels_by_id, with_feedback_labels


def test_feedback_labels_join_the_logged_rows_by_id_and_a_later_label_wins():
    labels = labels_by_id(
        [
            {"id": "a", "label": "x"},
            {"id": "b", "label": "y"},
            {"id": "a", "label": "z"},
            {"id": "c"},
            {"label": "orphan"},
        ]
    )
    assert labels == {"a": "z", "b": "y"}
    rows = [{"id": "a", "text": "t"}, {"id": "c", "text": "u"}, {"text": "no id"}]
    joined = with_feedback_labels(rows, labels)
    assert joined == [{"id": "a", "text": "t", "label": "z"}, {"id": "c", "text": "u"}, {"text": "no id"}]
    assert "label" not in rows[0]  # the log's rows are not changed in place
