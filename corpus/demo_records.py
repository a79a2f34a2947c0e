"""The demo corpus that `params.yaml` describes, as validated records (the pipeline's default dataset)."""

from __future__ import annotations

from corpus.demo_corpus import generate_corpus
from corpus.records import Record, record_from_mapping
from settings.params import DemoParams


def demo_records(demo: DemoParams, max_text_chars: int) -> list[Record]:
    rows = generate_corpus(demo.n_documents, seed=demo.seed, median_tokens=demo.median_tokens,
                           length_sigma=demo.length_sigma, max_tokens=demo.max_tokens, n_labels=demo.n_labels)
    return [record_from_mapping(r, f"demo:{i}", max_text_chars) for i, r in enumerate(rows)]
