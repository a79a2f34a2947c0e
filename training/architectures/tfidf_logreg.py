"""The traditional baseline as a model like the others: TF-IDF over token uni- and bigrams with logistic
regression, registered, served and watched for drift through the same seams as the encoders.

It reads the document's token ids as the encoders do (one window as long as the document), counts unigrams and
hashed bigrams, weighs them by sublinear term frequency and smoothed inverse document frequency (``min_df`` 2, as
the report's scikit-learn baseline), normalises each document to unit length, and scores it with a linear layer
fitted by scikit-learn's L-BFGS logistic regression (C = 10). Its weights, the IDF table included, are tensors
in the model folder's safetensors: no pickle. Its embedding, which the drift job reads, is a fixed count sketch
of the TF-IDF vector (each feature hashed to one of ``SKETCH_DIM`` signed buckets), so no projection matrix is
stored. Reduced precision does not apply: its weights are parameters, not ``nn.Linear`` layers, and the
products run in fp32.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from longloop.settings.params import ModelParams, TrainingParams
from longloop.training.collate import collate_windows
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import window_documents
from longloop.training.model import LongDocumentClassifier, ModelSpec
from longloop.training.trainer import TrainResult, peak_memory_mb, validation_scores

NAME = "tfidf_logreg"
BIGRAM_BUCKETS = 1 << 18
SKETCH_DIM = 128
MIN_DF = 2
C = 10.0
# One window as long as any document the corpus rules allow, so no token is read twice.
WHOLE_DOCUMENT = 1 << 22
_BIGRAM_MULTIPLIER = 1_000_003
_SKETCH_MULTIPLIER = 2_654_435_761


class TfidfLogregClassifier(LongDocumentClassifier):
    reduced_precision_variants = ()  # sparse products in fp32: an int8 or bf16 copy would be the same model

    def _build(self, spec: ModelSpec) -> None:
        vocab = int(spec.encoder_config["vocab_size"])
        self.vocab_size = vocab
        self.special_ids = tuple(int(i) for i in spec.encoder_config["special_ids"])
        n_features = vocab + BIGRAM_BUCKETS
        self.idf = nn.Buffer(torch.zeros(n_features))  # 0: a feature seen in fewer than MIN_DF documents
        self.weight = nn.Parameter(torch.zeros(len(spec.labels), n_features))
        self.bias = nn.Parameter(torch.zeros(len(spec.labels)))
        features = torch.arange(n_features, dtype=torch.int64)
        self.sketch_bucket = nn.Buffer((features * _SKETCH_MULTIPLIER) % SKETCH_DIM, persistent=False)
        self.sketch_sign = nn.Buffer(1.0 - 2.0 * ((features * _SKETCH_MULTIPLIER >> 20) % 2).float(), persistent=False)

    @property
    def hidden_size(self) -> int:
        return SKETCH_DIM

    def tokens_processed(self, real_tokens: int, padded_tokens: int) -> int:
        return real_tokens

    def counts(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, doc_index: torch.Tensor, n_docs: int):
        """Per document: (document row, feature, count) of its unigrams and hashed bigrams."""
        keep = attention_mask.bool()
        for special in self.special_ids:
            keep &= input_ids != special
        rows = doc_index[:, None].expand_as(input_ids)
        pair = keep[:, :-1] & keep[:, 1:]
        bigrams = self.vocab_size + (input_ids[:, :-1] * _BIGRAM_MULTIPLIER + input_ids[:, 1:]) % BIGRAM_BUCKETS
        doc = torch.cat([rows[keep], rows[:, :-1][pair]])
        feature = torch.cat([input_ids[keep], bigrams[pair]])
        key = doc * (self.vocab_size + BIGRAM_BUCKETS) + feature
        unique, count = torch.unique(key, return_counts=True)
        return unique // (self.vocab_size + BIGRAM_BUCKETS), unique % (self.vocab_size + BIGRAM_BUCKETS), count

    def tfidf(self, input_ids, attention_mask, doc_index, n_docs) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The unit-length TF-IDF rows as (document row, feature, value)."""
        doc, feature, count = self.counts(input_ids, attention_mask, doc_index, n_docs)
        value = (1.0 + torch.log(count.double())) * self.idf[feature].double()
        norm = torch.zeros(n_docs, dtype=torch.float64, device=value.device).index_add(0, doc, value * value).sqrt()
        return doc, feature, (value / norm.clamp(min=1e-12)[doc]).float()

    def forward(self, input_ids, attention_mask, doc_index, n_docs) -> tuple[torch.Tensor, torch.Tensor]:
        doc, feature, value = self.tfidf(input_ids, attention_mask, doc_index, n_docs)
        weight = self.weight.float()
        logits = torch.zeros((n_docs, weight.shape[0]), dtype=torch.float32, device=value.device)
        logits = logits.index_add(0, doc, value[:, None] * weight[:, feature].T) + self.bias.float()
        sketch = torch.zeros((n_docs * SKETCH_DIM,), dtype=torch.float32, device=value.device)
        sketch = sketch.index_add(0, doc * SKETCH_DIM + self.sketch_bucket[feature], value * self.sketch_sign[feature])
        return logits, sketch.view(n_docs, SKETCH_DIM)


MODEL_CLASS = TfidfLogregClassifier


def build(labels: tuple[str, ...], tokenizer: DocumentTokenizer, mp: ModelParams) -> LongDocumentClassifier:
    config = {
        "model_type": NAME,
        "vocab_size": tokenizer.vocab_size,
        "special_ids": [tokenizer.pad_id, tokenizer.cls_id, tokenizer.sep_id],
        "bigram_buckets": BIGRAM_BUCKETS,
        "min_df": MIN_DF,
        "C": C,
    }
    spec = ModelSpec(labels, WHOLE_DOCUMENT, WHOLE_DOCUMENT - 2, config, NAME, None, "tfidf")
    return TfidfLogregClassifier(spec)


def _feature_matrix(model: TfidfLogregClassifier, tokenizer: DocumentTokenizer, texts: list[str], tfidf: bool):
    """Documents x features, scipy CSR: raw counts, or the model's TF-IDF rows."""
    # Imported here: only fitting needs scipy and scikit-learn (a second of start-up a server need not pay).
    from scipy import sparse

    docs, _ = window_documents(tokenizer, texts, model.spec)
    rows, cols, vals = [], [], []
    for start in range(0, len(docs), 64):
        batch = collate_windows(docs[start : start + 64], tokenizer.pad_id)
        args = (batch.input_ids, batch.attention_mask, batch.doc_index, batch.n_docs)
        doc, feature, value = model.tfidf(*args) if tfidf else model.counts(*args)
        rows.append((doc + start).numpy())
        cols.append(feature.numpy())
        vals.append(value.numpy().astype(np.float64))
    shape = (len(texts), model.vocab_size + BIGRAM_BUCKETS)
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape)


@torch.no_grad()
def fit(
    model: TfidfLogregClassifier,
    tokenizer: DocumentTokenizer,
    train_texts: list[str],
    train_labels: list[str],
    seed: int,
) -> dict:
    """IDF from the training documents, then the logistic regression on their TF-IDF rows; returns the fit's
    seconds and real tokens read."""
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    counts = _feature_matrix(model, tokenizer, train_texts, tfidf=False)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    n = len(train_texts)
    idf = np.where(df >= MIN_DF, np.log((1 + n) / (1 + df)) + 1.0, 0.0)
    model.idf.copy_(torch.from_numpy(idf).float())
    x = _feature_matrix(model, tokenizer, train_texts, tfidf=True)
    index = {label: i for i, label in enumerate(model.spec.labels)}
    y = np.array([index[label] for label in train_labels])
    classifier = LogisticRegression(max_iter=2000, C=C, random_state=seed).fit(x, y)
    coef, intercept = classifier.coef_, classifier.intercept_
    weight = np.zeros((len(model.spec.labels), x.shape[1]))
    bias = np.zeros(len(model.spec.labels))
    if len(classifier.classes_) == 2 and coef.shape[0] == 1:  # one score for the second class: softmax of (0, z)
        weight[classifier.classes_[1]], bias[classifier.classes_[1]] = coef[0], intercept[0]
    else:
        weight[classifier.classes_], bias[classifier.classes_] = coef, intercept
    model.weight.copy_(torch.from_numpy(weight).float())
    model.bias.copy_(torch.from_numpy(bias).float())
    return {"seconds": time.perf_counter() - started, "real_tokens": int(counts[:, : model.vocab_size].sum())}


def train(
    model: TfidfLogregClassifier,
    tokenizer: DocumentTokenizer,
    train_texts: list[str],
    train_labels: list[str],
    val_texts: list[str],
    val_labels: list[str],
    tp: TrainingParams,
    seed: int,
    work_dir: Path,
    on_step: Callable[[int, dict], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """The trainer's contract for a model fitted in one step: the same result record (one step, the fit's
    tokens per second, validation loss and accuracy), so the loop logs and compares it like any other."""
    before = peak_memory_mb(torch.device("cpu"))
    fitted = fit(model, tokenizer, train_texts, train_labels, seed)
    index = {label: i for i, label in enumerate(model.spec.labels)}
    val_loss, val_accuracy = validation_scores(
        model, tokenizer, val_texts, [index[label] for label in val_labels], tp.token_budget
    )
    tokens_per_second = fitted["real_tokens"] / max(fitted["seconds"], 1e-9)
    if on_step is not None:
        on_step(1, {"val_loss": val_loss, "val_accuracy": val_accuracy, "tokens_per_second": tokens_per_second})
    return TrainResult(
        steps=1,
        epochs_run=1,
        best_val_loss=val_loss,
        val_accuracy=val_accuracy,
        tokens_per_second=tokens_per_second,
        real_token_fraction=1.0,
        peak_memory_mb=max(before, peak_memory_mb(torch.device("cpu"))),
        device="cpu",
        precision="fp32",
        resumed_from_step=None,
        seconds=fitted["seconds"],
        step_seconds=fitted["seconds"],
        precision_reason="tfidf_logreg: fitted by L-BFGS in fp64, scored in fp32 on the CPU",
    )
