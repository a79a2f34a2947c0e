from longloop.corpus.demo_corpus import generate_corpus
from longloop.training.batching import token_budget_batches
from longloop.training.collate import collate_windows
from longloop.training.document_tokenizer import DocumentTokenizer
from longloop.training.inference import window_documents
from longloop.training.model import ModelSpec
from longloop.training.windows import document_windows, window_spans


def test_windows_cover_every_token_and_are_full_length():
    for n in (1, 10, 11, 37, 100):
        spans = window_spans(n, body=10, stride=8)
        covered = set()
        for s, e in spans:
            covered.update(range(s, e))
            assert e - s == min(10, n)
        assert covered == set(range(n))
    assert document_windows([5, 6, 7], context=4, stride=2, cls_id=1, sep_id=2) == [[1, 5, 6, 2], [1, 6, 7, 2]]


def test_token_budget_batches_reach_95_percent_real_tokens_on_a_skewed_corpus():
    texts = [r["text"] for r in generate_corpus(400, seed=11)]
    tok = DocumentTokenizer.train(texts, 3000)
    docs, _ = window_documents(tok, texts, ModelSpec(("a", "b"), context_tokens=1024, window_stride=896))
    lengths = [[len(w) for w in d] for d in docs]
    batches = token_budget_batches(lengths, budget=16_384, seed=0, epoch=0)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    real = padded = 0
    for b in batches:
        wb = collate_windows([docs[i] for i in b], tok.pad_id)
        real += wb.real_tokens
        padded += wb.padded_tokens
        assert wb.padded_tokens <= 16_384 or len(b) == 1
    assert real / padded >= 0.95
    # Reproducible per (seed, epoch), different across epochs.
    assert batches == token_budget_batches(lengths, 16_384, 0, 0)
    assert batches != token_budget_batches(lengths, 16_384, 0, 1)
