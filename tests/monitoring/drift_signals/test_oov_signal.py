import numpy as np

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_features import document_features, reference_vocabulary, training_vocabulary
from longloop.monitoring.drift_signals import Window
from longloop.monitoring.drift_signals.oov import OovSignal
from tests.monitoring.drift_signals.signal_windows import BUCKETS, CONTEXT, CTX, SEED


def _rows(n: int, stream: int) -> list[dict]:
    return [
        {"text": r["text"], "n_tokens": len(r["text"].split())}
        for r in generate_corpus(n, seed=SEED, stream=stream, median_tokens=200)
    ]


def test_new_topic_words_drift(reference, make_window):
    res = OovSignal().run(reference, make_window(60, shifts=("vocabulary",)), CTX)
    assert res.drift and res.statistic > 0.7  # the window's documents rank above the reference's
    assert res.extra == {"reference_measured": len(reference), "current_measured": 100}
    assert not OovSignal().run(reference, make_window(61), CTX).drift


def test_documents_the_vocabulary_was_built_from_are_left_out():
    ref, cur = _rows(150, 70), _rows(100, 71)
    vocab, sources = reference_vocabulary([r["text"] for r in ref])
    ref_w = Window(document_features(ref, set(vocab), CONTEXT, BUCKETS, sources), ref)
    cur_w = Window(document_features(cur + ref[:10], set(vocab), CONTEXT, BUCKETS, sources), cur + ref[:10])
    n_sources = int(np.isnan(ref_w.features["oov_rate"]).sum())
    assert n_sources == len(sources) == 75  # half of the reference built the vocabulary
    res = OovSignal().run(ref_w, cur_w, CTX)
    # The window's copies of reference documents count only if they were held out of the vocabulary too.
    held_out_copies = int((~np.isnan(ref_w.features["oov_rate"][:10])).sum())
    assert res.extra == {"reference_measured": 75, "current_measured": 100 + held_out_copies}
    assert not res.drift


def test_a_reference_measured_against_its_own_vocabulary_would_alarm_on_its_own_corpus():
    """Why the vocabulary must not come from the measured documents: fresh windows of the same corpus look
    drifted against a reference whose every word is known by construction, and do not against a held-out half."""
    ref = _rows(150, 80)
    own = set(training_vocabulary([r["text"] for r in ref]))
    held_out, sources = reference_vocabulary([r["text"] for r in ref])
    own_alarms = held_out_alarms = 0
    for stream in range(81, 86):
        cur = _rows(100, stream)
        own_alarms += (
            OovSignal()
            .run(
                Window(document_features(ref, own, CONTEXT, BUCKETS), ref),
                Window(document_features(cur, own, CONTEXT, BUCKETS), cur),
                CTX,
            )
            .drift
        )
        held_out_alarms += (
            OovSignal()
            .run(
                Window(document_features(ref, set(held_out), CONTEXT, BUCKETS, sources), ref),
                Window(document_features(cur, set(held_out), CONTEXT, BUCKETS, sources), cur),
                CTX,
            )
            .drift
        )
    assert own_alarms == 5 and held_out_alarms == 0
