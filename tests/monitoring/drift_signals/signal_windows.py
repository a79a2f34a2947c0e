"""What the per-signal tests share: the context the detector would give five always-on signals."""

from longloop.monitoring.drift_signals import SignalContext

SEED, BUCKETS, CONTEXT = 5, 256, 512
# Five always-on signals at the default alpha: the threshold and budget the detector would give them.
CTX = SignalContext(alpha=0.01, n_signals=5, permutations=1000, seed=0)
