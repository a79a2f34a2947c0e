"""The MLflow pyfunc face of a trained model: safetensors weights and JSON beside it, no pickled objects.

It is logged as "models from code" (``registry/pyfunc_entry.py``), so MLflow stores source, not a pickle.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow.pyfunc
import pandas as pd

from training.inference import Predictions, predict_documents
from training.model_io import load_model_dir

CALIBRATION = "calibration.json"


class LongloopPyfunc(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        self.load_folder(Path(context.artifacts["model_dir"]))

    def load_folder(self, folder: Path) -> "LongloopPyfunc":
        self.model, self.tokenizer = load_model_dir(folder)
        calib = folder / CALIBRATION
        self.temperature = json.loads(calib.read_text())["temperature"] if calib.is_file() else 1.0
        self.labels = self.model.spec.labels
        return self

    def predict_full(self, texts: list[str]) -> Predictions:
        return predict_documents(self.model, self.tokenizer, texts, temperature=self.temperature)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        if "text" not in model_input.columns:
            raise ValueError("input needs a 'text' column")
        preds = self.predict_full([str(t) for t in model_input["text"]])
        out = pd.DataFrame({"label": preds.labels, "confidence": preds.probabilities.max(axis=1).astype(float),
                            "n_tokens": preds.n_tokens})
        for i, label in enumerate(self.labels):
            out[f"p_{label}"] = preds.probabilities[:, i].astype(float)
        return out
