"""The MLflow pyfunc face of a trained model: safetensors weights and JSON beside it, no pickled objects.

It is logged as "models from code" (``registry/pyfunc_entry.py``), so MLflow stores source, not a pickle.
It serves fp32, or the int8 or bf16 variant built at load time (``training/quantization.py``), as decided by the
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
from longloop.training.quantization import PrecisionChoice, bf16_variant, choose_serving_precision, quantize_int8

CALIBRATION = "calibration.json"
# Written by the evaluation: {"quantize", "max_int8_accuracy_drop", "min_bf16_agreement"} as configured then, and
# "int8_evaluation" / "bf16_evaluation" (each variant against fp32 on the test split, bf16 only where the machine has
# bf16 units). A model folder without it is served in fp32 under ``auto``.
SERVING_PRECISION = "serving_precision.json"
DEFAULT_QUANTIZE = ServingParams.model_fields["quantize"].default
DEFAULT_MAX_INT8_ACCURACY_DROP = ServingParams.model_fields["max_int8_accuracy_drop"].default
DEFAULT_MIN_BF16_AGREEMENT = ServingParams.model_fields["min_bf16_agreement"].default


def _number(name: str, given: float | None, stored: object) -> float:
    """``given``, or the value stored with the model when None; a stored value that is no number is refused."""
    value = given if given is not None else stored
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


class LongloopPyfunc(PythonModel):
    def load_context(self, context) -> None:
        config = context.model_config or {}
        self.load_folder(
            Path(context.artifacts["model_dir"]),
            config.get("quantize"),
            config.get("max_int8_accuracy_drop"),
            config.get("min_bf16_agreement"),
        )

    def load_folder(
        self,
        folder: Path,
        quantize: str | None = None,
        max_int8_accuracy_drop: float | None = None,
        min_bf16_agreement: float | None = None,
    ) -> LongloopPyfunc:
        """``quantize``/``max_int8_accuracy_drop``/``min_bf16_agreement``: None keeps the policy stored with the
        model."""
        self.folder = Path(folder)
        self.model, self.tokenizer = load_model_dir(self.folder)
        self.precision = "fp32"
        calib = self.folder / CALIBRATION
        self.temperature = json.loads(calib.read_text())["temperature"] if calib.is_file() else 1.0
        stored = self.folder / SERVING_PRECISION
        self.registered_precision = json.loads(stored.read_text()) if stored.is_file() else {}
        self.labels = self.model.spec.labels
        self.use_precision(quantize, max_int8_accuracy_drop, min_bf16_agreement)
        return self

    def use_precision(
        self,
        quantize: str | None = None,
        max_int8_accuracy_drop: float | None = None,
        min_bf16_agreement: float | None = None,
    ) -> PrecisionChoice:
        """Serve fp32, bf16 or int8 as the policy decides; None for any argument keeps the stored policy's value."""
        stored = self.registered_precision
        mode = quantize if quantize is not None else stored.get("quantize", DEFAULT_QUANTIZE)
        limit = _number(
            "max_int8_accuracy_drop",
            max_int8_accuracy_drop,
            stored.get("max_int8_accuracy_drop", DEFAULT_MAX_INT8_ACCURACY_DROP),
        )
        agreement = _number(
            "min_bf16_agreement", min_bf16_agreement, stored.get("min_bf16_agreement", DEFAULT_MIN_BF16_AGREEMENT)
        )
        choice = choose_serving_precision(
            mode, stored.get("int8_evaluation"), limit, stored.get("bf16_evaluation"), agreement
        )
        if choice.precision != "fp32" and choice.precision not in self.model.reduced_precision_variants:
            architecture = self.model.spec.architecture
            choice = PrecisionChoice("fp32", f"{architecture} has no {choice.precision} variant: served in fp32")
        if choice.precision != self.precision:
            # Variants are made from the fp32 weights: int8 in place from fp32, anything else re-reads the
            # safetensors (bf16 and int8 cannot be turned back).
            base = self.model if self.precision == "fp32" else load_model_dir(self.folder)[0]
            if choice.precision == "int8":
                base = quantize_int8(base, inplace=True)
            elif choice.precision == "bf16":
                base = bf16_variant(base)
            self.model = base
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
