"""The traditional way to fit long documents into an encoder: only their first ``model.context_tokens`` tokens
(one window with [CLS] and [SEP]), in training as in prediction. The baseline a long-context architecture has
to beat on long documents; cheaper, and on text whose label shows early, often as good."""

from __future__ import annotations

from longloop.settings.params import ModelParams
from longloop.training.architectures.encoder_backbone import encoder_classifier
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.model import LongDocumentClassifier

NAME = "truncated_encoder"


def build(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    return encoder_classifier(labels, tokenizer, mp, NAME, max_document_tokens=mp.context_tokens - 2)
