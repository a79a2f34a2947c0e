"""Model tier: the default configuration learns the demo task, and long context earns its cost."""

import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import record_from_mapping
from longloop.corpus.splits import assign_splits, by_split
from longloop.evaluation.classification_metrics import accuracy
from longloop.settings.params import LongloopParams
from longloop.training.fit import fit_classifier
from longloop.training.inference import predict_documents


@pytest.mark.slow
def test_default_config_beats_its_512_token_truncation_on_long_documents(tmp_path):
    params = LongloopParams()
    rows = generate_corpus(800, seed=7)
    splits = by_split(assign_splits([record_from_mapping(r, "d", 10**6) for r in rows], 0.15, 0.15, 7))
    model, tok, result = fit_classifier(
        splits["train"], splits["validation"], params.model, params.training, 7, tmp_path, progress=False
    )
    assert result.real_token_fraction >= 0.95
    long_docs = [r for r in generate_corpus(1200, seed=7, stream=5) if len(r["text"].split()) > 2048]
    texts, labels = [r["text"] for r in long_docs], [r["label"] for r in long_docs]
    whole = accuracy(labels, predict_documents(model, tok, texts).labels)
    first_512 = accuracy(labels, predict_documents(model, tok, texts, max_tokens=512).labels)
    assert whole >= 0.9, (whole, first_512)
    assert first_512 <= 0.7, (whole, first_512)
