import numpy as np

from longloop.monitoring.drift_signals import Window
from longloop.monitoring.drift_signals.embedding import EmbeddingSignal
from tests.monitoring.drift_signals.signal_windows import CTX


def _window(n: int, shift: float, seed: int, with_embedding: bool = True) -> Window:
    emb = np.random.default_rng(seed).standard_normal((n, 16)).astype(np.float32)
    emb[:, 0] += shift
    return Window({"embedding": emb} if with_embedding else {}, [{}] * n)


def test_enabled_only_when_both_sides_carry_embeddings():
    sig = EmbeddingSignal()
    assert sig.enabled(_window(50, 0, 1), _window(50, 0, 2))
    assert not sig.enabled(_window(50, 0, 1), _window(50, 0, 2, with_embedding=False))
    assert not sig.enabled(_window(50, 0, 1, with_embedding=False), _window(50, 0, 2))


def test_a_mean_shift_of_the_embeddings_drifts():
    sig = EmbeddingSignal()
    assert sig.run(_window(200, 0, 1), _window(100, 1.0, 2), CTX).drift
    assert not sig.run(_window(200, 0, 1), _window(100, 0, 3), CTX).drift
