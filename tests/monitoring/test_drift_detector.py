import pytest

from longloop.corpus.demo_corpus import generate_corpus
from longloop.monitoring.drift_detector import detect_drift
from longloop.monitoring.drift_features import document_features, training_vocabulary
from longloop.settings.params import MonitoringParams

MP = MonitoringParams(permutations=200)


def _rows(records):
    return [{"text": r["text"], "n_tokens": len(r["text"].split()), "label": r["label"]} for r in records]


@pytest.fixture(scope="module")
def reference():
    train = generate_corpus(300, seed=5, median_tokens=200)
    ref = _rows(generate_corpus(150, seed=5, stream=1, median_tokens=200))
    vocab = set(training_vocabulary([r["text"] for r in train]))
    return ref, vocab, document_features(ref, vocab, 512, MP.hash_buckets)


def _check(reference, records, seed=0):
    ref, vocab, ref_f = reference
    cur = _rows(records)
    return detect_drift(ref_f, document_features(cur, vocab, 512, MP.hash_buckets), ref, cur, 0.05, 200, seed)


def test_no_drift_windows_rarely_alarm(reference):
    alarms = [
        _check(reference, generate_corpus(100, seed=5, stream=10 + i, median_tokens=200), i).drift_detected
        for i in range(20)
    ]
    assert sum(alarms) <= 3  # alpha 0.05: about one expected in 20; a miscalibrated detector fires on most


@pytest.mark.parametrize(
    "shift, signal",
    [("longer", "length"), ("vocabulary", "oov_rate"), ("alphabet", "charset"), ("label_prior", "label")],
)
def test_each_shift_is_detected_by_its_signal(reference, shift, signal):
    res = _check(reference, generate_corpus(100, seed=5, stream=50, median_tokens=200, shifts=(shift,)))
    assert res.drift_detected
    assert res.checks[signal]["drift"]
    assert 0 <= res.score <= 1


def test_ten_percent_other_language_is_found_at_the_default_alpha(reference):
    """At params.yaml's alpha (0.01) with 500 permutations the old word check could never fire (1/501 is
    above 0.01/6); the hashed-word and OOV checks must each find a window that is a fifth another language."""
    ref, vocab, ref_f = reference
    cur = _rows(
        generate_corpus(80, seed=5, stream=60, median_tokens=200)
        + generate_corpus(20, seed=99, stream=61, median_tokens=200)
    )
    res = detect_drift(ref_f, document_features(cur, vocab, 512, MP.hash_buckets), ref, cur, 0.01, 500, 0)
    assert res.drift_detected
    assert res.checks["words"]["drift"] and res.checks["oov_rate"]["drift"]
    assert res.checks["words"]["p_value"] <= res.checks["words"]["threshold"] / 2
    assert set(res.checks["words"]) >= {"statistic", "p_value", "threshold", "drift", "method", "permutations"}


def test_label_check_uses_the_feedback_that_has_arrived(reference):
    from longloop.monitoring.drift_signals.label import MIN_LABELLED

    shifted = _rows(generate_corpus(100, seed=5, stream=51, median_tokens=200, shifts=("label_prior",)))
    ref, vocab, ref_f = reference
    cur_f = document_features(shifted, vocab, 512, MP.hash_buckets)

    def check(n_labelled):
        cur = [r if i < n_labelled else {k: v for k, v in r.items() if k != "label"} for i, r in enumerate(shifted)]
        return detect_drift(ref_f, cur_f, ref, cur, 0.05, 200, 0)

    partial = check(60)
    assert partial.checks["label"]["n_labelled"] == 60 and partial.checks["label"]["drift"]
    assert "label" not in check(MIN_LABELLED - 1).checks


# --- the signals are a list: the correction is counted from it ----------------------------------------------

from longloop.monitoring.drift_signals import SIGNALS, DriftSignal  # noqa: E402


class _ConstantSignal(DriftSignal):
    """A signal that is what a new module would be: a name, when it applies, a p-value."""

    name, method = "constant", "a fixed p-value"

    def __init__(self, p: float, on: bool = True):
        self.p, self.on = p, on

    def enabled(self, reference, current) -> bool:
        return self.on

    def test(self, reference, current, ctx):
        return 0.0, self.p, {"budget": ctx.permutations}


def test_an_added_signal_is_run_and_counted_in_the_correction(reference):
    ref, vocab, ref_f = reference
    cur = _rows(generate_corpus(100, seed=5, stream=70, median_tokens=200))
    cur_f = document_features(cur, vocab, 512, MP.hash_buckets)
    base = detect_drift(ref_f, cur_f, ref, cur, 0.01, 200, 0)
    k = len(base.checks)
    assert list(base.checks) == [s.name for s in SIGNALS if s.name in base.checks]  # registry order
    assert {c["threshold"] for c in base.checks.values()} == {0.01 / k}

    res = detect_drift(ref_f, cur_f, ref, cur, 0.01, 200, 0, signals=SIGNALS + (_ConstantSignal(0.01 / (k + 1) / 2),))
    assert set(res.checks) == set(base.checks) | {"constant"}
    assert {c["threshold"] for c in res.checks.values()} == {0.01 / (k + 1)}
    assert res.checks["constant"]["drift"] and res.drift_detected
    assert res.checks["constant"]["budget"] >= 2 * (k + 1) / 0.01  # the permutation budget follows the count too
    assert res.score == pytest.approx(1 - 0.01 / 2)  # 1 - the smallest p-value times the number of signals
    assert res.checks["words"]["permutations"] == base.checks["words"]["permutations"]  # its own random stream

    off = detect_drift(ref_f, cur_f, ref, cur, 0.01, 200, 0, signals=SIGNALS + (_ConstantSignal(0.0, on=False),))
    assert off.checks == base.checks  # a signal that does not apply changes nothing


def test_signal_names_are_distinct_and_required():
    assert len({s.name for s in SIGNALS}) == len(SIGNALS)
    with pytest.raises(ValueError):
        detect_drift({}, {}, [], [], 0.01, 200, signals=(_ConstantSignal(0.5), _ConstantSignal(0.5)))
