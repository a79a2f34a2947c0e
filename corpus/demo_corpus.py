"""Deterministic synthetic corpus for demos and tests.

Documents are pseudo-language text with document lengths skewed like real ones (log-normal). The label's
evidence is one short sentence holding marker words of its class, placed uniformly at random in the
document, so a model that reads only the first 512 tokens of a long document is close to guessing while
one that reads all of it is not. Switches produce shifted production batches and planted governance
problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LABEL_NAMES = ("billing", "outage", "security", "feature", "account", "shipping", "refund", "privacy")
GOOD_LICENSES = ("MIT", "MIT License", "Apache 2.0", "Apache-2.0", "CC BY 4.0", "CC0", "BSD-3-clause", "CC-BY-SA-4.0")
BAD_LICENSES = (
    "CC-BY-NC-4.0",
    "GPL-3.0",
    "",
    "All rights reserved",
    "proprietary",
    "GPL",
    "WTFPL",
    "custom license, see LICENSE.txt",
    "MIT AND CC-BY-NC-4.0",
)
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
        w = "".join(
            consonants[rng.integers(len(consonants))] + _VOWELS[rng.integers(len(_VOWELS))] for _ in range(syllables)
        )
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


PII_KINDS = ("email", "phone", "payment_card", "iban", "ip_address", "api_key", "private_key")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_IBAN_SHAPES = {"GB": "AAAA" + "9" * 14, "DE": "9" * 18, "FR": "9" * 23, "NL": "AAAA" + "9" * 10, "ES": "9" * 20}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _chars(rng: np.random.Generator, alphabet: str, n: int) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), n))


def _iban(rng: np.random.Generator) -> str:
    country = _pick(rng, list(_IBAN_SHAPES))
    bban = "".join(
        _chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) if c == "A" else _chars(rng, "0123456789", 1)
        for c in _IBAN_SHAPES[country]
    )
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    return f"{country}{check:02d}{bban}"


def pii_value(rng: np.random.Generator, kind: str) -> str:
    """One realistic value of a PII kind, in one of the spellings real text uses."""
    if kind == "email":
        user = _pick(rng, ["jane.doe", "j_smith", "support+tickets", "olaf", "m.garcia-lopez"]) + str(rng.integers(100))
        return f"{user}@{_pick(rng, ['example.com', 'mail.example.org', 'corp.example.co.uk', 'uni-example.de'])}"
    if kind == "phone":
        a, b, c = rng.integers(200, 999), rng.integers(200, 999), rng.integers(1000, 9999)
        return _pick(
            rng,
            [
                f"+1 {a} {b} {c}",
                f"({a}) {b}-{c}",
                f"{a}.{b}.{c}",
                f"+44 20 {c} {rng.integers(1000, 9999)}",
                f"+49 30 {b} {c}",
                f"{a}-{b}-{c}",
            ],
        )
    if kind == "payment_card":
        if rng.random() < 0.3:  # American Express: 15 digits, 4-6-5
            card = _luhn_complete(_pick(rng, ["34", "37"]) + _chars(rng, "0123456789", 12))
            return _pick(rng, [f"{card[:4]} {card[4:10]} {card[10:]}", card])
        prefix = _pick(rng, ["4", "51", "55", "6011"])
        card = _luhn_complete(prefix + _chars(rng, "0123456789", 15 - len(prefix)))
        sep = _pick(rng, [" ", "-", ""])
        return sep.join(card[i : i + 4] for i in range(0, 16, 4))
    if kind == "iban":
        iban = _iban(rng)
        return iban if rng.random() < 0.3 else " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    if kind == "ip_address":
        if rng.random() < 0.7:
            return ".".join(str(x) for x in [_pick(rng, [10, 172, 192, 203, 81]), *rng.integers(0, 256, 3)])
        groups = [f"{g:x}" for g in rng.integers(0, 65536, 8)]
        return ":".join(groups) if rng.random() < 0.5 else f"2001:db8::{groups[0]}:{groups[1]}"
    if kind == "api_key":
        return _pick(
            rng,
            [
                "AKIA" + _chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
                "ghp_" + _chars(rng, _ALNUM, 36),
                "sk-" + _chars(rng, _ALNUM, 40),
                "xoxb-" + "-".join(_chars(rng, "0123456789", 11) for _ in range(2)) + "-" + _chars(rng, _ALNUM, 24),
                "AIza" + _chars(rng, _ALNUM + "_-", 35),
                "api_key = " + _chars(rng, _ALNUM, 32),
            ],
        )
    if kind == "private_key":
        label = _pick(rng, ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        body = "\n".join(_chars(rng, _B64, 64) for _ in range(int(rng.integers(2, 8))))
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
    raise ValueError(f"unknown PII kind: {kind}")


_PII_LEADS = {
    "email": "contact me at",
    "phone": "call",
    "payment_card": "card",
    "iban": "pay to",
    "ip_address": "from host",
    "api_key": "use",
    "private_key": "key:",
}


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
        out.append(" ".join(words[i : i + k]) + ".")
        i += k
        sentence_no += 1
        out.append("\n\n" if sentence_no % 5 == 0 else " ")
    return "".join(out).strip()


def generate_corpus(
    n_documents: int,
    seed: int = 7,
    stream: int = 0,
    median_tokens: int = 400,
    length_sigma: float = 1.15,
    max_tokens: int = 16_000,
    n_labels: int = 2,
    shifts: tuple[str, ...] = (),
    plant: tuple[str, ...] = (),
    id_prefix: str = "doc",
) -> list[dict]:
    """Return ``n_documents`` records ``{id, text, label, license, source}``; same arguments, same records.

    ``seed`` fixes the language (vocabulary, label markers); ``stream`` draws a different batch of
    documents from it, e.g. production traffic.
    """
    return generate_corpus_with_plants(
        n_documents, seed, stream, median_tokens, length_sigma, max_tokens, n_labels, shifts, plant, id_prefix
    )[0]


def generate_corpus_with_plants(
    n_documents: int,
    seed: int = 7,
    stream: int = 0,
    median_tokens: int = 400,
    length_sigma: float = 1.15,
    max_tokens: int = 16_000,
    n_labels: int = 2,
    shifts: tuple[str, ...] = (),
    plant: tuple[str, ...] = (),
    id_prefix: str = "doc",
) -> tuple[list[dict], PlantManifest]:
    """``generate_corpus`` and the manifest of the problems it planted."""
    unknown = set(shifts) - set(SHIFTS) | set(plant) - set(PLANTS)
    if unknown:
        raise ValueError(f"unknown shift or plant: {', '.join(sorted(unknown))}")
    lang = _Language(seed, n_labels)
    rng = np.random.default_rng([seed, 1, stream])
    median = median_tokens * (4 if "longer" in shifts else 1)
    lengths = np.clip(
        np.round(median * np.exp(length_sigma * rng.standard_normal(n_documents))), 30, max_tokens
    ).astype(int)
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
        records.append(
            {
                "id": f"{id_prefix}-{stream}-{i:06d}",
                "text": text,
                "label": lang.labels[labels[i]],
                "license": GOOD_LICENSES[rng.integers(len(GOOD_LICENSES))],
                "source": SOURCES[rng.integers(len(SOURCES))],
            }
        )
    return records, _plant_problems(records, rng, plant, lang)


@dataclass
class PlantManifest:
    """What ``plant`` put where: the ground truth for measuring the governance gate."""

    exact_copies: list[tuple[str, str]] = field(default_factory=list)  # (source id, copy id)
    near_copies: list[tuple[str, str]] = field(default_factory=list)  # (source id, copy with ~3% words edited)
    licenses: list[str] = field(default_factory=list)  # ids given a denied, unknown or missing license
    pii: list[dict] = field(default_factory=list)  # {"id", "kind", "start", "end"}: character span of the value


def _plant_problems(
    records: list[dict], rng: np.random.Generator, plant: tuple[str, ...], lang: _Language
) -> PlantManifest:
    manifest = PlantManifest()
    n = len(records)
    k = max(1, n // 30)
    order = [int(i) for i in rng.permutation(n)]  # every planted duplicate uses documents of its own
    if "duplicates" in plant and n >= 4:
        k_dup = min(k, n // 4)
        for j in range(k_dup):  # exact copies
            src, dst = order[2 * j], order[2 * j + 1]
            records[dst] = {**records[dst], "text": records[src]["text"], "label": records[src]["label"]}
            manifest.exact_copies.append((records[src]["id"], records[dst]["id"]))
        for j in range(k_dup, 2 * k_dup):  # near copies: about 3% of the words dropped or replaced
            src, dst = order[2 * j], order[2 * j + 1]
            words = records[src]["text"].split(" ")
            edits = set(int(i) for i in rng.choice(len(words), size=max(1, round(0.03 * len(words))), replace=False))
            edited = []
            for i, w in enumerate(words):
                if i not in edits:
                    edited.append(w)
                elif rng.random() < 0.5:  # replaced by another word of the language
                    edited.append(lang.filler[int(rng.integers(len(lang.filler)))])
            records[dst] = {**records[dst], "text": " ".join(edited), "label": records[src]["label"]}
            manifest.near_copies.append((records[src]["id"], records[dst]["id"]))
        order = order[4 * k_dup :]
    if "licenses" in plant:
        for idx in rng.choice(n, size=k, replace=False):
            records[idx] = {**records[idx], "license": BAD_LICENSES[rng.integers(len(BAD_LICENSES))]}
            manifest.licenses.append(records[idx]["id"])
    if "pii" in plant:
        pool = order if len(order) >= k else list(range(n))
        for j, idx in enumerate(pool[:k]):
            kind = PII_KINDS[(j + int(rng.integers(len(PII_KINDS)))) % len(PII_KINDS)]
            value = pii_value(rng, kind)
            text = records[idx]["text"]
            spaces = [i for i, c in enumerate(text) if c == " "] or [len(text)]
            at = spaces[int(rng.integers(len(spaces)))]
            lead = f" {_PII_LEADS[kind]} "
            records[idx] = {**records[idx], "text": text[:at] + lead + value + text[at:]}
            start = at + len(lead)
            manifest.pii.append({"id": records[idx]["id"], "kind": kind, "start": start, "end": start + len(value)})
    return manifest
