"""The same data, parameters and seed give the same tokenizer and the same weights, in any process.

Each side runs in a fresh interpreter with its own hash seed, as two `longloop run`s would: the tokenizers
library's own trainer gave a different vocabulary in every process on real text, and with it a different model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from longloop.training.wordpiece_vocabulary import learn_vocabulary

SPECIAL = ["[PAD]", "[UNK]"]

TOKENIZER_ON_CHANGELOGS = """
import hashlib
from longloop.corpus.debian_changelogs import build_debian_corpus
from longloop.training.document_tokenizer import DocumentTokenizer
corpus = build_debian_corpus(min_documents=100, min_per_label=10)
tok = DocumentTokenizer.train([r["text"] for r in corpus.records], 8000)
assert tok.vocab_size == 8000, tok.vocab_size
print(len(corpus.records), hashlib.sha256("\\n".join(sorted(tok.vocabulary())).encode()).hexdigest())
"""

TRAINING_ON_DEMO = """
import hashlib, tempfile
from pathlib import Path
import torch
from longloop.corpus.demo_records import demo_records
from longloop.corpus.splits import assign_splits, by_split
from longloop.settings.params import load_params
from longloop.training.fit import fit_classifier
p = load_params(Path("tests/tiny_params.yaml"))
s = by_split(assign_splits(demo_records(p.data.demo, p.data.max_text_chars), 0.15, 0.15, 7))
with tempfile.TemporaryDirectory() as work:
    mp = p.model.model_copy(update={"architecture": "ARCHITECTURE"})
    model, tok, result = fit_classifier(s["train"], s["validation"], mp, p.training, 7, Path(work), progress=False)
h = hashlib.sha256()
for name, tensor in sorted(model.state_dict().items()):
    h.update(name.encode() + tensor.detach().numpy().tobytes())
print(h.hexdigest(), result.best_val_loss)
"""


def _in_fresh_process(code: str, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.slow  # two processes building the real corpus (12 s): the default suite keeps to 10 minutes
def test_the_tokenizer_learned_from_real_changelogs_is_the_same_in_every_process():
    first, second = (_in_fresh_process(TOKENIZER_ON_CHANGELOGS, seed) for seed in ("1", "2"))
    assert int(first.split()[0]) >= 100  # the machine's corpus was built, not skipped
    assert first == second


# The long-context encoder's pair runs with the slow suite (12 s): the default suite keeps to 10 minutes.
@pytest.mark.parametrize(
    "architecture", ["windowed_encoder", pytest.param("long_context_encoder", marks=pytest.mark.slow)]
)
def test_training_twice_in_two_processes_gives_the_same_weights(architecture):
    code = TRAINING_ON_DEMO.replace("ARCHITECTURE", architecture)
    assert _in_fresh_process(code, "3") == _in_fresh_process(code, "4")


def test_equally_frequent_merges_are_taken_in_the_order_of_their_pieces():
    counts = Counter({"cd": 3, "ab": 3, "xy": 1})
    vocab = learn_vocabulary(counts, len(SPECIAL) + 6 + 1, SPECIAL)
    assert vocab[:2] == SPECIAL and vocab[-1] == "ab"  # (a, ##b) before (c, ##d): same count, smaller pieces
    full = learn_vocabulary(counts, 100, SPECIAL)
    assert full[-3:] == ["ab", "cd", "xy"]  # everything merged, most frequent first, and then no pair is left


def test_merges_follow_the_counts_as_pieces_combine():
    counts = Counter({"lower": 5, "low": 7, "newest": 6, "widest": 3})
    vocab = learn_vocabulary(counts, 1000, SPECIAL)
    alphabet = {w[0] for w in counts} | {f"##{c}" for w in counts for c in w[1:]}
    assert set(vocab[len(SPECIAL) : len(SPECIAL) + len(alphabet)]) == alphabet
    # (l, ##o) and (##o, ##w) both occur 12 times: the pair of smaller pieces goes first.
    assert vocab[len(SPECIAL) + len(alphabet) : len(SPECIAL) + len(alphabet) + 2] == ["##ow", "low"]
    assert {"low", "lower", "newest", "widest"} <= set(vocab)
    assert learn_vocabulary(counts, 1000, SPECIAL) == vocab
