"""Error text as exactly one printable line: what every one-line error message of longloop is made of."""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` stripped, with newlines and other control characters escaped (``\\n``, ``\\x1b``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip()) or "(no message)"
