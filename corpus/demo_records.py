"""The demo corpus that `params.yaml` describes, as validated records (the pipeline's default dataset)."""

from __future__ import annotations

from typing import Protocol

from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.records import Record, record_from_mapping


class DemoSettings(Protocol):
    """What the demo corpus needs from the config (settings.params.DemoParams); corpus imports no config."""

    # Read-only members (properties), so that a frozen pydantic model satisfies the protocol.
    @property
    def n_documents(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def median_tokens(self) -> int: ...
    @property
    def length_sigma(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def n_labels(self) -> int: ...


def demo_records(demo: DemoSettings, max_text_chars: int) -> list[Record]:
    rows = generate_corpus(
        demo.n_documents,
        seed=demo.seed,
        median_tokens=demo.median_tokens,
        length_sigma=demo.length_sigma,
        max_tokens=demo.max_tokens,
        n_labels=demo.n_labels,
    )
    return [record_from_mapping(r, f"demo:{i}", max_text_chars) for i, r in enumerate(rows)]
