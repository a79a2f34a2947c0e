"""The one normalisation every text comparison in the gates shares, so their verdicts agree."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalized_words(text: str) -> list[str]:
    """NFKC, case-folded words with punctuation and whitespace differences removed."""
    return [w for w in _NON_WORD.split(unicodedata.normalize("NFKC", text).casefold()) if w]


def normalized_text(text: str) -> str:
    return " ".join(normalized_words(text))
