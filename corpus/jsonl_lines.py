"""Split JSONL text into its lines the way JSON Lines defines them: on ``\\n`` only (a ``\\r`` before it dropped).

``str.splitlines()`` is not that: it also breaks on U+2028, U+2029, U+0085 and ``\\x1c``-``\\x1e``, which JSON
allows raw inside strings (``json.dumps(..., ensure_ascii=False)`` writes the first three unescaped), so it
would cut a valid record in two.
"""

from __future__ import annotations

from collections.abc import Iterator

# JSON's own whitespace (RFC 8259). str.strip() would also take U+2028, U+0085, \x1c... and so skip as blank a
# line that is in fact malformed.
_JSON_WHITESPACE = " \t\r\n"


def jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line number from 1, line)`` for every line that holds more than JSON whitespace."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")  # a file written with CRLF line ends
        if line.strip(_JSON_WHITESPACE):
            yield lineno, line
