"""SPDX license expressions over the SPDX license and exception list that ``license-expression`` (aboutcode)
ships offline: id lookups, one expression grammar, and the strict check ``params.yaml`` is validated with.

Strict on purpose: a typo in a policy list (``Apache2.0``, ``MITT``) must be an error, not a new license.
Free-text spellings found in data (``GPL-2+``, ``Expat``, ``public domain``) are ``governance.license_policy``'s
business; it builds on the lookups and the parser here (settings imports nothing of ours, governance may).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

NOASSERTION = "NOASSERTION"
# SPDX 2.3 annex D: idstring = 1*(ALPHA / DIGIT / "-" / "."); a document may qualify it with DocumentRef-...:
LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+")
ADDITION_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?AdditionRef-[A-Za-z0-9.\-]+")
OPERATORS = ("AND", "OR", "WITH")


def _spaced(name: str) -> str:
    return " ".join(name.lower().split())


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-cased ids and aliases (deprecated ids such as ``GPL-2.0``) to the canonical id: licenses, exceptions."""
    from license_expression import get_spdx_licensing

    licenses: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    symbols = list(get_spdx_licensing().known_symbols.values())
    for aliases in (False, True):  # an id wins over another license's alias of the same spelling
        for symbol in symbols:
            table = exceptions if symbol.is_exception else licenses
            for name in symbol.aliases if aliases else (symbol.key,):
                table.setdefault(_spaced(name), symbol.key)
    return licenses, exceptions


def license_ids() -> dict[str, str]:
    """Every license id and alias, lower-cased, to its canonical SPDX id (``LicenseRef-scancode-*`` included)."""
    return _index()[0]


def exception_ids() -> dict[str, str]:
    return _index()[1]


def license_id(name: str) -> str | None:
    """The canonical id of an SPDX license id, deprecated id, ``ID+`` or ``LicenseRef-*``; None otherwise."""
    name = name.strip()
    known = license_ids().get(_spaced(name))
    if known:
        return known
    if LICENSE_REF.fullmatch(name):
        return name
    if name.endswith("+") and len(name) > 1:
        base = license_ids().get(_spaced(name[:-1]))
        if base and not base.startswith("LicenseRef-"):
            return or_later(base)
    return None


def or_later(base: str) -> str:
    """``base`` "or any later version": the ``-or-later`` id where the list has one, else SPDX's ``ID+``."""
    if base.endswith("-or-later") or base.endswith("+"):
        return base
    stem = base[: -len("-only")] if base.endswith("-only") else base
    return license_ids().get(_spaced(stem + "-or-later"), base + "+")


def exception_id(name: str) -> str | None:
    name = name.strip()
    return exception_ids().get(_spaced(name)) or (name if ADDITION_REF.fullmatch(name) else None)


# The parse tree. Leaves hold canonical ids, or NOASSERTION where a lenient reader met a name it does not know.
@dataclass(frozen=True)
class License:
    id: str


@dataclass(frozen=True)
class WithException:
    license: License
    exception: str  # canonical exception id, or NOASSERTION


@dataclass(frozen=True)
class Operation:
    op: str  # "AND" | "OR"
    args: tuple


Node = License | WithException | Operation


def combine(op: str, args: list) -> Node:
    flat: list = []
    for a in args:
        flat += list(a.args) if isinstance(a, Operation) and a.op == op else [a]
    return flat[0] if len(flat) == 1 else Operation(op, tuple(flat))


def render(node: Node, parent: str | None = None) -> str:
    if isinstance(node, License):
        return node.id
    if isinstance(node, WithException):
        return f"{node.license.id} WITH {node.exception}"
    text = f" {node.op} ".join(render(a, node.op) for a in node.args)
    return f"({text})" if parent == "AND" and node.op == "OR" else text


def leaves(node: Node) -> list[str]:
    if isinstance(node, License):
        return [node.id]
    if isinstance(node, WithException):
        return [node.license.id, node.exception]
    return [x for a in node.args for x in leaves(a)]


class ExpressionError(ValueError):
    """An expression that breaks the grammar (a missing operand, an unbalanced parenthesis)."""


def parse_tokens(tokens: list[tuple[str, str]], license_of, exception_of) -> Node:
    """Tokens ``(kind, text)`` to a tree. Kinds: ``name``, ``AND``, ``OR``, ``WITH``, ``(``, ``)``, and DEP-5's
    comma forms ``,AND`` / ``,OR`` ("A or B, and C" is "(A OR B) AND C"), which bind loosest of all.
    ``license_of(text)`` and ``exception_of(text, license_leaf)`` turn names into leaves (or raise)."""
    pos = 0

    def peek() -> str | None:
        return tokens[pos][0] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise ExpressionError("the expression ends where a license was expected")
        pos += 1
        return tokens[pos - 1]

    def loosest() -> Node:
        node = either()
        while peek() in (",AND", ",OR"):
            op = take()[0][1:]
            node = combine(op, [node, either()])
        return node

    def either() -> Node:
        args = [both()]
        while peek() == "OR":
            take()
            args.append(both())
        return combine("OR", args)

    def both() -> Node:
        args = [excepted()]
        while peek() == "AND":
            take()
            args.append(excepted())
        return combine("AND", args)

    def excepted() -> Node:
        node = atom()
        if peek() == "WITH":
            take()
            kind, text = take()
            if kind != "name":
                raise ExpressionError("WITH must be followed by an exception id")
            if not isinstance(node, License):
                raise ExpressionError("WITH applies to one license, not to a parenthesised expression")
            return exception_of(text, node)
        return node

    def atom() -> Node:
        kind, text = take()
        if kind == "(":
            node = loosest()
            if peek() != ")":
                raise ExpressionError("a parenthesis is not closed")
            take()
            return node
        if kind != "name":
            raise ExpressionError(f"{text!r} where a license was expected")
        return license_of(text)

    if not tokens:
        raise ExpressionError("empty")
    tree = loosest()
    if pos != len(tokens):
        raise ExpressionError(f"unexpected {tokens[pos][1]!r}")
    return tree


def _strict_tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for word in re.findall(r"\(|\)|[^\s()]+", text):
        upper = word.upper()
        out.append((upper, word) if upper in OPERATORS else (word, word) if word in "()" else ("name", word))
    return out


def _strict_license(text: str) -> License:
    found = license_id(text)
    if found is None:
        if exception_id(text):
            raise ValueError(f"{text} is a license exception, written after WITH")
        raise ValueError(f"unknown license id {text}")
    return License(found)


def _strict_exception(text: str, base: License) -> WithException:
    found = exception_id(text)
    if found is None:
        raise ValueError(f"{text} is not an SPDX license exception")
    return WithException(base, found)


def canonical_expression(text: str) -> str:
    """``text`` as a canonical SPDX expression (ids as the list spells them, deprecated ids replaced); raises
    ``ValueError`` naming the first unknown id, unknown exception or syntax error. Ids and ``LicenseRef-*`` only."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty license expression")
    return render(parse_tokens(_strict_tokens(text), _strict_license, _strict_exception))
