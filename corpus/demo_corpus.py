"""Deterministic synthetic corpus for demos and tests.

Documents are pseudo-language text with document lengths skewed like real ones (log-normal). The label's
evidence is one short sentence holding marker words of its class, placed uniformly at random in the
document, so a model that reads only the first 512 tokens of a long document is close to guessing while
one that reads all of it is not. Switches produce shifted production batches and planted governance
problems.
"""

from __future__ import annotations

import numpy as np

LABEL_NAMES = ("billing", "outage", "security", "feature", "account", "shipping", "refund", "privacy")
GOOD_LICENSES = ("MIT", "MIT License", "Apache 2.0", "Apache-2.0", "CC BY 4.0", "CC0", "BSD-3-clause", "CC-BY-SA-4.0")
BAD_LICENSES = ("CC-BY-NC-4.0", "GPL-3.0", "", "All rights reserved", "proprietary")
SOURCES = ("forum", "wiki", "tickets", "mailing-list", "docs")
SHIFTS = ("longer", "vocabulary", "alphabet", "label_prior")
PLANTS = ("duplicates", "licenses", "pii")

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_NEW_CONSONANTS = "qxjwhc"
# A letter-for-letter map onto another script: a "language-like alphabet" shift.
_ALPHABET = str.maketrans("abdefgiklmnoprstuvz", "αβδεφγικλμνοπρστυвз")


def _words(rng: np.random.Generator, n: int, consonants: str, exclude: set[str]) -> list[str]:
    out: list[str] = []
    seen = set(exclude)
    while len(out) < n:
        syllables = rng.integers(2, 4)
        w = "".join(consonants[rng.integers(len(consonants))] + _VOWELS[rng.integers(len(_VOWELS))] for _ in range(syllables))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


class _Language:
    def __init__(self, seed: int, n_labels: int):
        rng = np.random.default_rng([seed, 0])
        self.filler = _words(rng, 3000, _CONSONANTS, set())
        self.markers = [_words(rng, 6, _CONSONANTS, set(self.filler)) for _ in range(n_labels)]
        taken = set(self.filler).union(*self.markers)
        self.topic = _words(rng, 1500, _NEW_CONSONANTS + _CONSONANTS[:4], taken)
        ranks = np.arange(1, len(self.filler) + 1)
        self.weights = (1.0 / ranks) / (1.0 / ranks).sum()
        self.labels = LABEL_NAMES[:n_labels]


def _luhn_complete(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return digits + str((10 - total % 10) % 10)


def _pii_snippet(rng: np.random.Generator) -> str:
    kind = rng.integers(3)
    if kind == 0:
        return f"contact me at user{rng.integers(1000)}@example.com"
    if kind == 1:
        return f"call +1 415 555 {rng.integers(1000, 9999)}"
    card = _luhn_complete("4" + "".join(str(d) for d in rng.integers(0, 10, 14)))
    return f"card {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}"


def _document(rng: np.random.Generator, lang: _Language, n_tokens: int, label_idx: int, topic_mix: float) -> str:
    words = list(rng.choice(lang.filler, size=n_tokens, p=lang.weights))
    if topic_mix > 0:
        mask = rng.random(n_tokens) < topic_mix
        words = [lang.topic[rng.integers(len(lang.topic))] if m else w for w, m in zip(words, mask)]
    markers = rng.choice(lang.markers[label_idx], size=2, replace=False)
    evidence = [words[0], markers[0], words[-1], markers[1]]
    pos = int(rng.integers(0, n_tokens + 1))
    words[pos:pos] = evidence
    # Sentences of 8-20 words, paragraphs of about five sentences.
    out, i, sentence_no = [], 0, 0
    while i < len(words):
        k = int(rng.integers(8, 21))
        out.append(" ".join(words[i:i + k]) + ".")
        i += k
        sentence_no += 1
        out.append("\n\n" if sentence_no % 5 == 0 else " ")
    return "".join(out).strip()


def generate_corpus(n_documents: int, seed: int = 7, stream: int = 0, median_tokens: int = 400,
                    length_sigma: float = 1.15, max_tokens: int = 16_000, n_labels: int = 2,
                    shifts: tuple[str, ...] = (), plant: tuple[str, ...] = (), id_prefix: str = "doc") -> list[dict]:
    """Return ``n_documents`` records ``{id, text, label, license, source}``; same arguments, same records.

    ``seed`` fixes the language (vocabulary, label markers); ``stream`` draws a different batch of
    documents from it, e.g. production traffic.
    """
    unknown = set(shifts) - set(SHIFTS) | set(plant) - set(PLANTS)
    if unknown:
        raise ValueError(f"unknown shift or plant: {', '.join(sorted(unknown))}")
    lang = _Language(seed, n_labels)
    rng = np.random.default_rng([seed, 1, stream])
    median = median_tokens * (4 if "longer" in shifts else 1)
    lengths = np.clip(np.round(median * np.exp(length_sigma * rng.standard_normal(n_documents))), 30, max_tokens).astype(int)
    if "label_prior" in shifts:
        prior = np.full(n_labels, 0.9 / (n_labels - 1))
        prior[0] = 0.1
    else:
        prior = np.full(n_labels, 1.0 / n_labels)
    labels = rng.choice(n_labels, size=n_documents, p=prior)
    topic_mix = 0.4 if "vocabulary" in shifts else 0.0
    records = []
    for i in range(n_documents):
        text = _document(rng, lang, int(lengths[i]), int(labels[i]), topic_mix)
        if "alphabet" in shifts:
            text = text.translate(_ALPHABET)
        records.append({
            "id": f"{id_prefix}-{stream}-{i:06d}",
            "text": text,
            "label": lang.labels[labels[i]],
            "license": GOOD_LICENSES[rng.integers(len(GOOD_LICENSES))],
            "source": SOURCES[rng.integers(len(SOURCES))],
        })
    _plant_problems(records, rng, plant)
    return records


def _plant_problems(records: list[dict], rng: np.random.Generator, plant: tuple[str, ...]) -> None:
    n = len(records)
    k = max(1, n // 30)
    if "duplicates" in plant:
        for j in range(k):  # exact copies
            src, dst = rng.choice(n, size=2, replace=False)
            records[dst] = {**records[dst], "text": records[src]["text"], "label": records[src]["label"]}
        for j in range(k):  # near copies: about 3% of words changed
            src, dst = rng.choice(n, size=2, replace=False)
            words = records[src]["text"].split(" ")
            for idx in rng.choice(len(words), size=max(1, len(words) // 33), replace=False):
                words[idx] = "zzzq"
            records[dst] = {**records[dst], "text": " ".join(words), "label": records[src]["label"]}
    if "licenses" in plant:
        for idx in rng.choice(n, size=k, replace=False):
            records[idx] = {**records[idx], "license": BAD_LICENSES[rng.integers(len(BAD_LICENSES))]}
    if "pii" in plant:
        for idx in rng.choice(n, size=k, replace=False):
            records[idx] = {**records[idx], "text": records[idx]["text"] + " " + _pii_snippet(rng) + "."}
