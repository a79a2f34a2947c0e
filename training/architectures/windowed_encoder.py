"""The whole document, read as overlapping windows of ``model.context_tokens`` (``model.window_stride`` apart),
pooled into one embedding per document (max and mean over every token of every window)."""

from __future__ import annotations

from longloop.settings.params import ModelParams
from longloop.training.architectures.encoder_backbone import encoder_classifier
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier

NAME = "windowed_encoder"


def build(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    return encoder_classifier(labels, tokenizer, mp, NAME, max_document_tokens=None)
