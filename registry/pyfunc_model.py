"""The MLflow pyfunc face of a trained model: safetensors weights and JSON beside it, no pickled objects.

It is logged as "models from code" (``registry/pyfunc_entry.py``), so MLflow stores source, not a pickle.
It serves fp32 or the int8 variant built at load time (``training/quantization.py``), as decided by the
``serving.quantize`` policy and the int8 evaluation that the evaluation step stored in the model folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from mlflow.pyfunc import PythonModel

from longloop.settings.params import ServingParams
from longloop.training.inference import Predictions, predict_documents
from longloop.training.model_io import load_model_dir
from longloop.training.quantization import PrecisionChoice, choose_serving_precision, quantize_int8

CALIBRATION = "calibration.json"
# Written by the evaluation: {"quantize", "max_int8_accuracy_drop"} as configured then, and "int8_evaluation"
# (the fp32/int8 comparison on the test split). A model folder without it is served in fp32 under ``auto``.
SERVING_PRECISION = "serving_precision.json"
DEFAULT_QUANTIZE = ServingParams.model_fields["quantize"].default
DEFAULT_MAX_INT8_ACCURACY_DROP = ServingParams.model_fields["max_int8_accuracy_drop"].default


class LongloopPyfunc(PythonModel):
    def load_context(self, context) -> None:
        config = context.model_config or {}
        self.load_folder(
            Path(context.artifacts["model_dir"]), config.get("quantize"), config.get("max_int8_accuracy_drop")
        )

    def load_folder(
        self, folder: Path, quantize: str | None = None, max_int8_accuracy_drop: float | None = None
    ) -> LongloopPyfunc:
        """``quantize``/``max_int8_accuracy_drop``: None keeps the policy stored with the model."""
        self.folder = Path(folder)
        self.model, self.tokenizer = load_model_dir(self.folder)
        self.precision = "fp32"
        calib = self.folder / CALIBRATION
        self.temperature = json.loads(calib.read_text())["temperature"] if calib.is_file() else 1.0
        stored = self.folder / SERVING_PRECISION
        self.registered_precision = json.loads(stored.read_text()) if stored.is_file() else {}
        self.labels = self.model.spec.labels
        self.use_precision(quantize, max_int8_accuracy_drop)
        return self

    def use_precision(
        self, quantize: str | None = None, max_int8_accuracy_drop: float | None = None
    ) -> PrecisionChoice:
        """Serve fp32 or int8 as the policy decides; None for either argument keeps the stored policy's value."""
        stored = self.registered_precision
        mode = quantize if quantize is not None else stored.get("quantize", DEFAULT_QUANTIZE)
        limit = (
            max_int8_accuracy_drop
            if max_int8_accuracy_drop is not None
            else stored.get("max_int8_accuracy_drop", DEFAULT_MAX_INT8_ACCURACY_DROP)
        )
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit):
            raise ValueError(f"max_int8_accuracy_drop must be a number, got {limit!r}")
        choice = choose_serving_precision(mode, stored.get("int8_evaluation"), float(limit))
        if choice.precision != self.precision:
            # int8 is made from the fp32 weights in place; going back to fp32 re-reads the safetensors.
            self.model = (
                quantize_int8(self.model, inplace=True)
                if choice.precision == "int8"
                else load_model_dir(self.folder)[0]
            )
            self.precision = choice.precision
        self.precision_choice = choice
        return choice

    def predict_full(self, texts: list[str], token_budget: int | None = None) -> Predictions:
        """``token_budget``: padded tokens per model call (None: the inference default)."""
        budget = {} if token_budget is None else {"token_budget": token_budget}
        return predict_documents(self.model, self.tokenizer, texts, temperature=self.temperature, **budget)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        if "text" not in model_input.columns:
            raise ValueError("input needs a 'text' column")
        preds = self.predict_full([str(t) for t in model_input["text"]])
        out = pd.DataFrame(
            {
                "label": preds.labels,
                "confidence": preds.probabilities.max(axis=1).astype(float),
                "n_tokens": preds.n_tokens,
            }
        )
        for i, label in enumerate(self.labels):
            out[f"p_{label}"] = preds.probabilities[:, i].astype(float)
        return out
