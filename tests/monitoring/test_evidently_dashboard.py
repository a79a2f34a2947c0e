import json

import numpy as np
import pandas as pd
from evidently.ui.workspace import Workspace

from longloop.monitoring.evidently_dashboard import PROJECT, record_drift_report


def test_reports_become_snapshots_in_a_loadable_workspace(tmp_path):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {
            "log_tokens": rng.normal(5, 1, 200),
            "oov_rate": rng.uniform(0, 0.1, 200),
            "non_ascii_rate": np.zeros(200),
            "confidence": rng.uniform(0.5, 1, 200),
            "prediction": rng.choice(["a", "b"], 200),
        }
    )
    cur = ref.assign(log_tokens=ref["log_tokens"] + 2)
    out = record_drift_report(tmp_path / "ws", ref, cur, tmp_path / "report.html")
    record_drift_report(tmp_path / "ws", ref, ref, None)
    assert (tmp_path / "report.html").stat().st_size > 1000
    ws = Workspace(str(tmp_path / "ws"))
    project = ws.search_project(PROJECT)[0]
    snaps = list((tmp_path / "ws" / str(project.id) / "snapshots").glob("*.json"))
    assert len(snaps) == 2 and all(json.loads(s.read_text()) for s in snaps)
    assert not list((tmp_path / "ws").rglob("*.tmp"))
    assert out["project_id"] == str(project.id)
