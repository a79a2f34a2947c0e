"""Normalise free-text licenses to SPDX expressions and judge them against an allow/deny policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNKNOWN = "NOASSERTION"

# Unambiguous spellings seen in real metadata, keyed by a squashed lower-case form.
_ALIASES = {
    "mit": "MIT", "mitlicense": "MIT", "themitlicense": "MIT", "expat": "MIT",
    "apache2.0": "Apache-2.0", "apache2": "Apache-2.0", "apachelicense2.0": "Apache-2.0",
    "apachelicenseversion2.0": "Apache-2.0", "asl2.0": "Apache-2.0", "apache-2.0": "Apache-2.0",
    "bsd3clause": "BSD-3-Clause", "bsd3": "BSD-3-Clause", "newbsd": "BSD-3-Clause", "modifiedbsd": "BSD-3-Clause",
    "bsd2clause": "BSD-2-Clause", "bsd2": "BSD-2-Clause", "simplifiedbsd": "BSD-2-Clause", "freebsd": "BSD-2-Clause",
    "ccby4.0": "CC-BY-4.0", "creativecommonsattribution4.0": "CC-BY-4.0", "ccby4": "CC-BY-4.0",
    "ccbysa4.0": "CC-BY-SA-4.0", "creativecommonsattributionsharealike4.0": "CC-BY-SA-4.0",
    "ccbync4.0": "CC-BY-NC-4.0", "ccbyncsa4.0": "CC-BY-NC-SA-4.0",
    "cc0": "CC0-1.0", "cc01.0": "CC0-1.0", "publicdomaincc0": "CC0-1.0",
    "gpl2+": "GPL-2.0-or-later", "gplv2+": "GPL-2.0-or-later", "gpl2.0+": "GPL-2.0-or-later", "gpl2.0orlater": "GPL-2.0-or-later",
    "gpl2": "GPL-2.0-only", "gplv2": "GPL-2.0-only", "gpl2.0": "GPL-2.0-only", "gpl2.0only": "GPL-2.0-only",
    "gpl3+": "GPL-3.0-or-later", "gplv3+": "GPL-3.0-or-later", "gpl3.0+": "GPL-3.0-or-later", "gpl3.0orlater": "GPL-3.0-or-later",
    "gpl3": "GPL-3.0-only", "gplv3": "GPL-3.0-only", "gpl3.0": "GPL-3.0-only", "gpl3.0only": "GPL-3.0-only",
    "agpl3.0": "AGPL-3.0-only", "agplv3": "AGPL-3.0-only", "agpl3.0only": "AGPL-3.0-only",
    "lgpl2.1": "LGPL-2.1-only", "lgpl3.0": "LGPL-3.0-only", "mpl2.0": "MPL-2.0",
    "proprietary": "LicenseRef-Proprietary", "allrightsreserved": "LicenseRef-Proprietary",
}
_EXCEPTIONS = {"classpath-exception-2.0", "llvm-exception", "gcc-exception-3.1"}
_OPERATOR = re.compile(r"\s+(AND|OR|WITH)\s+|\(|\)", re.IGNORECASE)


def _squash(text: str) -> str:
    s = text.strip().lower()
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"\b(license|licence|version|v(?=\d))\b", lambda m: "license" if m.group(1) in ("license", "licence") else "", s)
    s = s.replace("licence", "license").replace(",", "")
    return re.sub(r"[\s_\-]+", "", s)


def normalize_identifier(text: str) -> str:
    """One license name to an SPDX id, or ``NOASSERTION`` when it is missing or ambiguous."""
    if not text or not text.strip():
        return UNKNOWN
    squashed = _squash(text)
    if squashed in _ALIASES:
        return _ALIASES[squashed]
    canonical = {v.lower(): v for v in _ALIASES.values()}
    return canonical.get(text.strip().lower(), UNKNOWN)


def _tokens(expr: str) -> list[str]:
    out, pos = [], 0
    for m in _OPERATOR.finditer(expr):
        if expr[pos:m.start()].strip():
            out.append(expr[pos:m.start()].strip())
        out.append((m.group(1) or m.group(0)).upper())
        pos = m.end()
    if expr[pos:].strip():
        out.append(expr[pos:].strip())
    return out


def normalize_expression(text: str) -> str:
    """A free-text license (possibly an expression with AND/OR/WITH) to an SPDX expression."""
    whole = normalize_identifier(text)
    if whole != UNKNOWN or not text or not _OPERATOR.search(text):
        return whole
    parts = []
    for tok in _tokens(text):
        if tok in ("AND", "OR", "WITH", "(", ")"):
            parts.append(tok)
        elif parts and parts[-1] == "WITH":
            parts.append(tok if tok.lower() in _EXCEPTIONS else UNKNOWN)
        else:
            parts.append(normalize_identifier(tok))
    return " ".join(parts).replace("( ", "(").replace(" )", ")")


@dataclass(frozen=True)
class LicenseVerdict:
    expression: str
    status: str  # "allowed" | "denied" | "unknown"


class _Parser:
    """Recursive descent over SPDX tokens: OR binds loosest, then AND, then WITH."""

    def __init__(self, tokens: list[str], allow: set[str], deny: set[str]):
        self.toks, self.i, self.allow, self.deny = tokens, 0, allow, deny

    def _peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> str:
        status = self._or()
        return status if self._peek() is None else "unknown"

    def _or(self) -> str:
        statuses = [self._and()]
        while self._peek() == "OR":
            self.i += 1
            statuses.append(self._and())
        if "allowed" in statuses:
            return "allowed"
        return "unknown" if "unknown" in statuses else "denied"

    def _and(self) -> str:
        statuses = [self._with()]
        while self._peek() == "AND":
            self.i += 1
            statuses.append(self._with())
        if "denied" in statuses:
            return "denied"
        return "unknown" if "unknown" in statuses else "allowed"

    def _with(self) -> str:
        status = self._atom()
        if self._peek() == "WITH":
            self.i += 2  # an exception only adds permissions; the base license decides
        return status

    def _atom(self) -> str:
        tok = self._peek()
        self.i += 1
        if tok == "(":
            status = self._or()
            if self._peek() == ")":
                self.i += 1
                return status
            return "unknown"
        if tok is None or tok in ("AND", "OR", "WITH", ")") or tok == UNKNOWN:
            return "unknown"
        if tok in self.deny:
            return "denied"
        return "allowed" if tok in self.allow else "unknown"


def judge_license(raw: str, allow: tuple[str, ...], deny: tuple[str, ...]) -> LicenseVerdict:
    expr = normalize_expression(raw)
    status = _Parser(_tokens(expr), set(allow), set(deny)).parse()
    return LicenseVerdict(expression=expr, status=status)
