"""The architectures longloop trains, by name (``model.architecture``).

Each is one module here with ``NAME`` and ``build(labels, tokenizer, model_params)``, which returns a model whose
``ModelSpec`` names the architecture and says what it reads of a document; training, evaluation, serving and the
drift job then follow the spec. Adding an architecture is a module, a line below and its test.
"""

from __future__ import annotations

from collections.abc import Callable

from longloop.settings.params import ModelParams
from longloop.training.architectures import long_context_encoder, truncated_encoder, windowed_encoder
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier

Builder = Callable[[tuple[str, ...], DocumentTokenizer, ModelParams], LongDocumentClassifier]
ARCHITECTURES: dict[str, Builder] = {
    module.NAME: module.build for module in (windowed_encoder, truncated_encoder, long_context_encoder)
}


def build_model(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    """A new, untrained model of the configured architecture (weights from ``mp.pretrained_dir`` when set)."""
    return ARCHITECTURES[mp.architecture](labels, tokenizer, mp)
