"""Personal data and secrets in text: find them by kind and redact them with offsets kept consistent."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_PATTERNS: dict[str, re.Pattern] = {
    "private_key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    "api_key": re.compile(
        r"\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|sk-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b"
        r"|(?i:(?:api[_-]?key|secret|token|password)\s*[:=]\s*)['\"]?[A-Za-z0-9_\-/+=]{16,}"
    ),
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "payment_card": re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
    "ip_address": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"),
    "phone": re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]\d{3,4}\b"),
}


@dataclass(frozen=True)
class PiiFinding:
    kind: str
    start: int
    end: int


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _valid(kind: str, text: str) -> bool:
    if kind == "payment_card":
        digits = re.sub(r"\D", "", text)
        return 13 <= len(digits) <= 19 and _luhn_ok(digits)
    if kind == "iban":
        return _iban_ok(text)
    if kind == "ip_address":
        try:
            ipaddress.ip_address(text)
            return True
        except ValueError:
            return False
    return True


def find_pii(text: str) -> list[PiiFinding]:
    """Non-overlapping findings; earlier kinds in the table win where matches overlap."""
    taken: list[tuple[int, int]] = []
    found = []
    for kind, pattern in _PATTERNS.items():
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if not _valid(kind, m.group(0)):
                if kind == "payment_card":  # a long digit run is not a phone number either
                    taken.append((m.start(), m.end()))
                continue
            taken.append((m.start(), m.end()))
            found.append(PiiFinding(kind, m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str, findings: list[PiiFinding] | None = None) -> tuple[str, list[PiiFinding]]:
    """Replace each finding by ``[KIND]``; returns the new text and the findings at their new offsets."""
    findings = find_pii(text) if findings is None else findings
    out, moved, pos, shift = [], [], 0, 0
    for f in findings:
        tag = f"[{f.kind.upper()}]"
        out.append(text[pos:f.start])
        moved.append(PiiFinding(f.kind, f.start + shift, f.start + shift + len(tag)))
        out.append(tag)
        shift += len(tag) - (f.end - f.start)
        pos = f.end
    out.append(text[pos:])
    return "".join(out), moved
