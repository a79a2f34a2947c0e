"""Load a packaged model in a fresh process and answer a smoke request (like TFX's InfraValidator).

Run as ``python -m longloop.registry.infra_check MODEL_URI TRACKING_URI``; prints one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time


def run_infra_check(model_uri: str, tracking_uri: str, timeout: float = 300.0) -> tuple[bool, str]:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "longloop.registry.infra_check", model_uri, tracking_uri],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, f"no answer within {timeout:.0f} s"
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return False, f"exit {proc.returncode}: {tail}"
    result = json.loads(lines[-1])
    return bool(result.get("ok")), json.dumps(result)


def main() -> int:
    import mlflow
    import pandas as pd

    model_uri, tracking_uri = sys.argv[1], sys.argv[2]
    mlflow.set_tracking_uri(tracking_uri)
    start = time.perf_counter()
    model = mlflow.pyfunc.load_model(model_uri)
    loaded = time.perf_counter()
    out = model.predict(pd.DataFrame({"text": ["a smoke request for the infra check", "second document"]}))
    ok = len(out) == 2 and out["confidence"].between(0, 1).all()
    print(
        json.dumps(
            {
                "ok": bool(ok),
                "load_seconds": round(loaded - start, 3),
                "predict_seconds": round(time.perf_counter() - loaded, 3),
                "labels": out["label"].tolist(),
                "precision": model.unwrap_python_model().precision,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
