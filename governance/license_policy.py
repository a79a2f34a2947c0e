"""Licenses as real metadata writes them, normalised to SPDX expressions and judged against an allow/deny policy.

Each license name inside an expression is read, in this order, as
1. an SPDX id, a deprecated id (``GPL-2.0`` -> ``GPL-2.0-only``), ``ID+`` or ``LicenseRef-*``, on the SPDX list
   that ``license-expression`` ships (``longloop.settings.spdx``);
2. a spelling of the alias table below (``Expat`` -> ``MIT``, ``public domain`` -> ``PUBLIC_DOMAIN``);
3. the name squashed (case, separators, the words "license" and "version", the "v" of "v2" and a trailing ".0"
   dropped; "+" or "or later" read as the or-later id) and looked up among the squashed SPDX ids, so that
   ``Apache License, Version 2.0``, ``Apache-2``, ``GPLv3+``, ``LGPL-2+`` and ``BSD-3-clause`` are found;
4. a name that the same document defines with its text (``defined``: a DEP-5 stand-alone License paragraph),
   as ``LicenseRef-<name>``: SPDX's form for a license outside the list whose text comes with the data.
Anything else is ``NOASSERTION`` (judged unknown). Operators: AND, OR and WITH in any case, "and/or" (read as
OR), DEP-5's commas ("A or B, and C" is "(A OR B) AND C") and Debian's "X with Y exception".

The policy, following what each operator grants the licensee:
- a (sub)expression listed in ``deny`` or ``allow`` (compared in canonical form, deny first) gets that verdict,
  so ``GPL-2.0-only WITH Classpath-exception-2.0`` can be allowed while ``GPL-2.0-only`` is denied;
- ``A OR B``: the licensee may pick any branch: allowed if one branch is allowed, else unknown if one is
  unknown, else denied;
- ``A AND B``: every part binds: denied if one part is denied, else unknown if one is, else allowed;
- ``A WITH E``: an exception only adds permissions, so A decides; an exception that is not on the SPDX list
  (nor ``AdditionRef-*``) makes it unknown, an exception on the deny list denies;
- "A or later" (``GPL-2.0-or-later``, ``MPL-1.1+``): allowed when A's own version is allowed (the licensee may
  take it), otherwise only what the lists say of it;
- ``NOASSERTION`` (missing, empty or unreadable): unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from longloop.settings import spdx
from longloop.settings.spdx import NOASSERTION, License, WithException

UNKNOWN = NOASSERTION
PROPRIETARY = "LicenseRef-Proprietary"
# ScanCode LicenseDB's public-domain entry: license-expression maps LicenseRef-PublicDomain to it too.
PUBLIC_DOMAIN = spdx.license_id("LicenseRef-PublicDomain") or "LicenseRef-public-domain"

# Spellings no rule derives from an SPDX id. Keys are squashed (``_squash``).
_ALIAS_SPELLINGS = {
    "MIT": ("Expat", "MIT/X11", "MIT-X11", "X11/MIT", "MIT/X", "MIT/X Consortium", "MIT/Expat"),
    PUBLIC_DOMAIN: ("public domain", "PD", "LicenseRef-public-domain", "LicenseRef-PD"),
    PROPRIETARY: ("proprietary", "all rights reserved", "commercial"),
    "BSD-2-Clause": ("BSD2", "simplified BSD", "FreeBSD", "2-clause BSD"),
    "BSD-4-Clause": ("BSD-4", "BSD4", "original BSD", "4-clause BSD"),
    "0BSD": ("BSD-0-Clause", "zero-clause BSD"),
    "BSL-1.0": ("Boost", "Boost-1.0", "Boost Software License 1.0"),
    "CC0-1.0": ("CC0", "CC zero", "public domain CC0"),
    "CC-BY-4.0": ("Creative Commons Attribution 4.0",),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0", "Creative Commons Attribution Share Alike 4.0"),
    "CC-BY-NC-4.0": ("Creative Commons Attribution-NonCommercial 4.0",),
    "CC-BY-NC-SA-4.0": ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0",),
    "Apache-2.0": ("ASL 2.0", "ASL-2"),
    # Debian's /usr/share/common-licenses/Artistic is the Perl distribution's Artistic License.
    "Artistic-1.0-Perl": ("Artistic",),
    # Unversioned LGPL: its section on versions lets the licensee choose any version ever published.
    "LGPL-2.0-or-later": ("LGPL",),
    "GFDL-1.1-no-invariants-only": ("GFDL-NIV-1.1",),
    "GFDL-1.2-no-invariants-only": ("GFDL-NIV-1.2",),
    "GFDL-1.3-no-invariants-only": ("GFDL-NIV-1.3", "GFDL-1.3-no-invariant"),
    "OLDAP-2.8": ("OpenLDAP-2.8",),
    # The SPDX list's own notes: the Eclipse Distribution License 1.0 is BSD-3-Clause.
    "BSD-3-Clause": ("BSD-3", "BSD3", "new BSD", "modified BSD", "revised BSD", "3-clause BSD", "EDL-1.0"),
    # "the Free Software Foundation gives unlimited permission to copy and/or distribute it ..."
    "FSFULLR": ("FSF-unlimited", "FSF-unlimited-permission"),
}
# Debian's "with X exception" keywords that name no SPDX exception id by themselves; by the GPL major version
# where the exception exists in one text per version.
_EXCEPTION_SPELLINGS: dict[str, str | dict[str, str]] = {
    "bison": "Bison-exception-2.2",
    "autoconfdata": {"2": "Autoconf-exception-generic", "3": "Autoconf-exception-generic-3.0"},
    "gccruntime3.1": "GCC-exception-3.1",
    "gccruntime": "GCC-exception-3.1",
}
# Debian's one-word form "GPL-2+-autoconf-exception", "APACHE-2-LLVM-EXCEPTIONS".
_GLUED_EXCEPTION = re.compile(r"(?i)(.+?)-(?:with-)?([A-Za-z][\w.]*?)-exceptions?")
_LATER = re.compile(r"(?is)(.*?\S)\s*(?:\+|[\s-]*or[\s-]*(?:any[\s-]*)?later(?:[\s-]*version)?)")
_OPERATOR_WORDS = {"and": "AND", "or": "OR", "with": "WITH", "and/or": "OR"}


def _squash(text: str) -> str:
    s = text.strip().lower().replace("licence", "license")
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"\b(?:license|version)\b", " ", s)
    s = re.sub(r"(?:(?<=[a-z])|\b)v(?=\d)", "", s)  # GPLv2, "v2"
    s = re.sub(r"[\s_,\-]+", "", s)
    return re.sub(r"(?<![\d.])(\d+)\.0(?![\d.])", r"\1", s)  # "2.0" and "2" are the same version


def _unique_index(pairs) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for key, value in pairs:
        seen.setdefault(key, set()).add(value)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}  # an ambiguous squash is no answer


@lru_cache(maxsize=1)
def _squashed_licenses() -> dict[str, str]:
    return _unique_index(
        (_squash(name), key) for name, key in spdx.license_ids().items() if not key.startswith("LicenseRef-scancode-")
    )


@lru_cache(maxsize=1)
def _squashed_exceptions() -> dict[str, str]:
    return _unique_index(
        (_squash(re.sub(r"(?i)exception", "", name)), key)
        for name, key in spdx.exception_ids().items()
        if not key.startswith("LicenseRef-")
    )


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {_squash(spelling): key for key, spellings in _ALIAS_SPELLINGS.items() for spelling in spellings}


def _spaced(text: str) -> str:
    return " ".join(text.lower().split())


def _local_ref(name: str) -> str:
    """``LicenseRef-`` and the name in SPDX's idstring characters."""
    return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.\-]+", "-", name.replace("+", "plus")).strip("-.")


def _license_of(name: str) -> str | None:
    s = name.strip().strip("'\"`").strip()
    if not s:
        return None
    squashed = _squash(s)
    found = _aliases().get(squashed) or spdx.license_id(s) or _squashed_licenses().get(squashed)
    if found:
        return found
    later = _LATER.fullmatch(s)
    if later:
        base = _license_of(later.group(1))
        return spdx.or_later(base) if base and not base.startswith("LicenseRef-") else None
    return None


def _exception_of(name: str, base: str) -> str | None:
    s = re.sub(r"(?i)[\s-]*exception$", "", name.strip().strip("'\"`").strip())
    found = spdx.exception_id(name.strip()) or spdx.exception_id(s)
    if found:
        return found
    key = _squash(s)
    major = re.search(r"-(\d+)(?:\.\d+)?-", base + "-")
    spelled = _EXCEPTION_SPELLINGS.get(key)
    if isinstance(spelled, dict):
        spelled = spelled.get(major.group(1)) if major else None
    if spelled:
        return spelled
    index = _squashed_exceptions()
    found = index.get(key) or (index.get(key + major.group(1)) if major else None)
    if found or len(key) < 4:
        return found
    starting = {v for k, v in index.items() if k.startswith(key)}
    return starting.pop() if len(starting) == 1 else None  # "Classpath": the one Classpath exception


def _tokens(text: str) -> list[tuple[str, str]]:
    text = re.sub(r"(?i)(?<=\S)_(and|or)_(?=\S)", r" \1 ", text)  # "LGPLv3+_or_GPLv2+"
    tokens: list[tuple[str, str]] = []
    name: list[str] = []
    comma = False

    def flush() -> None:
        if name:
            tokens.append(("name", " ".join(name)))
            name.clear()

    for word in re.findall(r"\(|\)|[^\s()]+", text):
        op = _OPERATOR_WORDS.get(word.lower())
        if word == ",":
            comma = True
            continue
        if op:
            if name and name[-1].endswith(","):
                name[-1] = name[-1][:-1]
                comma = True
            flush()
            tokens.append(("," + op if comma and op != "WITH" else op, word))
        elif word in ("(", ")"):
            flush()
            tokens.append((word, word))
        else:
            name.append(word)
        comma = False
    flush()
    return tokens


def _tree(text: str, defined: frozenset[str]):
    """The parse tree of a free-text license, or None where it names nothing known (NOASSERTION)."""
    tokens = _tokens(text)
    # "X with Y exception" that the document defines as a whole, Y being on no list: one name.
    for i in range(len(tokens) - 2, 0, -1):
        (k0, a), (k1, _), (k2, b) = tokens[i - 1], tokens[i], tokens[i + 1]
        if (
            k0 == k2 == "name"
            and k1 == "WITH"
            and _spaced(f"{a} with {b}") in defined
            and not _exception_of(b, _license_of(a) or "")
        ):
            tokens[i - 1 : i + 2] = [("name", f"{a} with {b}")]

    def license_of(name: str):
        found = _license_of(name)
        glued = None if found else _GLUED_EXCEPTION.fullmatch(name.strip())
        glued_id = _license_of(glued.group(1)) if glued else None
        if glued and glued_id:
            base = License(glued_id)
            exception = _exception_of(glued.group(2), base.id)
            if exception:
                return WithException(base, exception)
        if not found and _spaced(name) in defined:
            found = _local_ref(name)
        return License(found or NOASSERTION)

    def exception_of(name: str, base: License) -> WithException:
        return WithException(base, _exception_of(name, base.id) or NOASSERTION)

    try:
        tree = spdx.parse_tokens(tokens, license_of, exception_of)
    except spdx.ExpressionError:
        tree = None
    if tree is None or NOASSERTION in spdx.leaves(tree):
        if _spaced(text) in defined:
            return License(_local_ref(text.strip()))
        if tree is None or set(spdx.leaves(tree)) == {NOASSERTION}:
            return None
    return tree


def normalize_expression(text: str | None, defined=()) -> str:
    """A free-text license (possibly an expression) as an SPDX expression; ``NOASSERTION`` where it is missing
    or names nothing known, and in place of each unknown part. ``defined``: license names the same document
    gives the text of (DEP-5 stand-alone License paragraphs), read as ``LicenseRef-<name>``."""
    if not text or not text.strip():
        return NOASSERTION
    tree = _tree(text, frozenset(_spaced(d) for d in defined))
    return NOASSERTION if tree is None else spdx.render(tree)


def normalize_identifier(text: str | None) -> str:
    """One license name to an SPDX id, or ``NOASSERTION`` when it is missing or unknown."""
    return (_license_of(text) if text else None) or NOASSERTION


def is_valid_expression(expression: str) -> bool:
    """Whether a normalised expression is a valid SPDX expression: no NOASSERTION part, every id on the list
    or a ``LicenseRef-*``, every exception on the list or an ``AdditionRef-*``."""
    try:
        spdx.canonical_expression(expression)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class LicenseVerdict:
    expression: str
    status: str  # "allowed" | "denied" | "unknown"


def _earliest(license_id: str) -> str | None:
    """The version an "or later" license lets the licensee take: ``GPL-2.0-or-later`` -> ``GPL-2.0-only``."""
    if license_id.endswith("+"):
        return license_id[:-1]
    if license_id.endswith("-or-later"):
        stem = license_id[: -len("-or-later")]
        return spdx.license_ids().get((stem + "-only").lower()) or spdx.license_ids().get(stem.lower())
    return None


def _status(node, allow: frozenset[str], deny: frozenset[str]) -> str:
    key = spdx.render(node)
    if key in deny:
        return "denied"
    if key in allow:
        return "allowed"
    if isinstance(node, License):
        base = _earliest(node.id)
        return "allowed" if base and base in allow and base not in deny else "unknown"
    if isinstance(node, WithException):
        if node.exception == NOASSERTION:
            return "unknown"
        return "denied" if node.exception in deny else _status(node.license, allow, deny)
    statuses = [_status(a, allow, deny) for a in node.args]
    if node.op == "OR":
        return "allowed" if "allowed" in statuses else "unknown" if "unknown" in statuses else "denied"
    return "denied" if "denied" in statuses else "unknown" if "unknown" in statuses else "allowed"


@lru_cache(maxsize=64)
def _canonical_list(entries: tuple[str, ...]) -> frozenset[str]:
    # A policy entry is compared in the same canonical form as the data ("GPL-2.0" denies GPL-2.0-only).
    out = set()
    for entry in entries:
        tree = _tree(entry, frozenset()) if entry and entry.strip() else None
        out.add(spdx.render(tree) if tree is not None else entry)
    return frozenset(out)


def judge_license(raw: str | None, allow: tuple[str, ...], deny: tuple[str, ...], defined=()) -> LicenseVerdict:
    """The verdict on one license field: its SPDX expression and "allowed", "denied" or "unknown"."""
    tree = _tree(raw, frozenset(_spaced(d) for d in defined)) if raw and raw.strip() else None
    if tree is None:
        return LicenseVerdict(expression=NOASSERTION, status="unknown")
    status = _status(tree, _canonical_list(tuple(allow)), _canonical_list(tuple(deny)))
    return LicenseVerdict(expression=spdx.render(tree), status=status)


def dep5_license_names(text: str) -> tuple[list[str], set[str]] | None:
    """The ``License:`` values of a DEP-5 (machine-readable) copyright file as written, in file order, and the
    names it defines (a License field whose continuation lines carry the text); None for a free-form file."""
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    if not paragraphs or not re.match(r"\s*format:", paragraphs[0], re.IGNORECASE):
        return None
    values: list[str] = []
    defined: set[str] = set()
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        for i, line in enumerate(lines):
            field = re.match(r"license:[ \t]*(.*?)[ \t]*$", line, re.IGNORECASE)
            if not field:
                continue
            values.append(field.group(1))
            body = [x for x in lines[i + 1 : i + 3] if x[:1] in (" ", "\t") and x.strip() not in ("", ".")]
            if field.group(1) and body:
                defined.add(field.group(1))
    return values, defined
