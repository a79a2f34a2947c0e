"""The architectures longloop trains, by name (``model.architecture``).

Each is one module here with ``NAME`` and ``build(labels, tokenizer, model_params)``, which returns a model whose
``ModelSpec`` names the architecture and says what it reads of a document; training, evaluation, serving and the
drift job then follow the spec. A module may also define ``MODEL_CLASS`` (the class its saved folders load as;
default ``LongDocumentClassifier``) and ``train`` (with ``trainer.train_classifier``'s signature, for a model that
is fitted rather than trained by steps). Adding an architecture is a module, a line below and its test.
"""

from __future__ import annotations

from collections.abc import Callable

from longloop.settings.params import ModelParams
from longloop.training.architectures import long_context_encoder, tfidf_logreg, truncated_encoder, windowed_encoder
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier, ModelSpec
from longloop.training.trainer import train_classifier

Builder = Callable[[tuple[str, ...], DocumentTokenizer, ModelParams], LongDocumentClassifier]
_MODULES = (windowed_encoder, truncated_encoder, long_context_encoder, tfidf_logreg)
ARCHITECTURES: dict[str, Builder] = {module.NAME: module.build for module in _MODULES}
_MODEL_CLASSES: dict[str, type[LongDocumentClassifier]] = {
    module.NAME: getattr(module, "MODEL_CLASS", LongDocumentClassifier) for module in _MODULES
}
_TRAINERS: dict[str, Callable] = {module.NAME: getattr(module, "train", train_classifier) for module in _MODULES}


def build_model(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    """A new, untrained model of the configured architecture (weights from ``mp.pretrained_dir`` when set)."""
    return ARCHITECTURES[mp.architecture](labels, tokenizer, mp)


def model_from_spec(spec: ModelSpec) -> LongDocumentClassifier:
    """An empty model of the spec's architecture, for a saved folder's weights to be loaded into."""
    return _MODEL_CLASSES.get(spec.architecture, LongDocumentClassifier)(spec)


def trainer_for(architecture: str) -> Callable:
    """``train_classifier``, or the architecture's own ``train``."""
    return _TRAINERS[architecture]
