"""Personal data and secrets in text: find them by kind and redact them with offsets kept consistent.

Two sources: this module's patterns (e-mail, phone, card, IBAN, IP, API keys, private keys, URL credentials),
and the token detectors of ``detect-secrets`` (``SECRET_PLUGINS``: JWTs, Stripe, Slack, GitLab, npm, AWS
secret keys, Twilio, SendGrid, ...), maintained as providers change their formats, reported as ``api_key``.
The detectors only see the few lines a cheap prefilter picks (``secret_segments``).
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_PATTERNS: dict[str, re.Pattern] = {
    # The user:password part of a URL ("https://user:pass@host"), before "email" claims "pass@host".
    "url_credentials": re.compile(r"(?<=://)[^\s/?#@:]+:[^\s/?#@]+(?=@)"),
    "private_key": re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----"
    ),
    "api_key": re.compile(
        r"\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|npm_[A-Za-z0-9]{36}|sk-[A-Za-z0-9_-]{20,}"
        r"|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})(?![\w-])"
        r"|(?i:(?:api[_-]?key|secret|token|password)\s*[:=]\s*)['\"]?[A-Za-z0-9_\-/+=]{16,}"
    ),
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    "iban": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "payment_card": re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
    "ip_address": re.compile(
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"
        r"|\b(?:[0-9a-fA-F]{1,4}:){1,6}(?::[0-9a-fA-F]{1,4}){1,6}\b"
    ),
    "phone": re.compile(
        r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?\d{3,4}|\d{2,4}[ .-]\d{3,4})[ .-]\d{3,4}\b"
    ),
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


def _pattern_findings(text: str) -> list[PiiFinding]:
    """Every pattern over the whole text: non-overlapping findings; earlier kinds win where matches overlap."""
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


# A cheap prefilter. Every pattern but the private-key block needs one of these characters or words inside
# its match: a digit (phone, card, IBAN, IPv4), "@" (e-mail), ":" (IPv6, "key: ...", "user:password"),
# "=" ("key=..."), "_" or "-" (gh*_, sk-, xox*- tokens) or the literal AKIA / AIza. Clean prose has none of them.
_TRIGGER_CHARS = "0123456789@:=_-"
_TRIGGER_WORDS = ("AKIA", "AIza")
_SPACES = (" ", "\n", "\t", "\r")
# Characters kept on each side of a trigger before extending to the next whitespace. The patterns that may
# hold whitespace (phone, card, IBAN, "key = value") are shorter than this; the others cannot cross a space.
_MARGIN = 256


def _triggers(text: str) -> list[tuple[int, int]]:
    """Spans of the trigger characters and words, found with ``str.find`` (memchr speed; one regex over the
    whole text with an alternation costs about 40 times more)."""
    spans = []
    for c in _TRIGGER_CHARS:
        at = text.find(c)
        while at != -1:
            spans.append((at, at + 1))
            at = text.find(c, at + 1)
    if "A" in text:
        for w in _TRIGGER_WORDS:
            at = text.find(w)
            while at != -1:
                spans.append((at, at + len(w)))
                at = text.find(w, at + 1)
    spans.sort()
    return spans


def _space_before(text: str, at: int) -> int:
    """Index just after the last whitespace before ``at`` (0 if none), looking back in growing steps."""
    step = 64
    while True:
        lo = max(0, at - step)
        found = max(text.rfind(c, lo, at) for c in _SPACES)
        if found != -1 or lo == 0:
            return found + 1
        step *= 4


def _space_from(text: str, at: int) -> int:
    """Index of the first whitespace at or after ``at`` (the text's length if none)."""
    step = 64
    while True:
        hi = min(len(text), at + step)
        found = [e for e in (text.find(c, at, hi) for c in _SPACES) if e != -1]
        if found:
            return min(found)
        if hi == len(text):
            return len(text)
        step *= 4


def _windows(text: str, blocks: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Merged spans around the triggers (and around ``blocks``, held whole), each starting and ending at
    whitespace (or the text's ends)."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted(_triggers(text) + list(blocks)):
        lo, hi = max(0, start - _MARGIN), min(len(text), end + _MARGIN)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        lo = _space_before(text, lo) if lo > 0 else 0
        hi = _space_from(text, hi) if hi < len(text) else len(text)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def find_pii_full(text: str) -> list[PiiFinding]:
    """Every pattern and every secret detector over the whole text (the reference ``find_pii`` must equal)."""
    return _merge(_pattern_findings(text), find_secrets(text))


def find_pii(text: str) -> list[PiiFinding]:
    """The same findings as ``find_pii_full``, looking only around the characters a finding needs.

    Windows around every trigger, cut at whitespace and merged when they touch, hold every match whole,
    so each window gives exactly the full scan's findings inside it; text without a trigger is skipped.
    """
    return _merge(_windowed_pattern_findings(text), find_secrets(text))


def _windowed_pattern_findings(text: str) -> list[PiiFinding]:
    # one memchr-speed scan per character; the two words only where an "A" is there at all
    if not any(c in text for c in _TRIGGER_CHARS) and not ("A" in text and any(w in text for w in _TRIGGER_WORDS)):
        return []
    # A private-key block (it has "-", a trigger) may run longer than the margin: its whole span is a window.
    keys = [m.span() for m in _PATTERNS["private_key"].finditer(text)] if "PRIVATE KEY" in text else []
    windows = _windows(text, keys)
    if sum(hi - lo for lo, hi in windows) > len(text) // 2:
        return _pattern_findings(text)
    found = []
    for lo, hi in windows:
        found += [PiiFinding(f.kind, f.start + lo, f.end + lo) for f in _pattern_findings(text[lo:hi])]
    return found


# detect-secrets' detectors that name a token format. Left out: its entropy and keyword heuristics
# (Base64HighEntropyString, HexHighEntropyString, KeywordDetector): through scan_line (eager search) they flagged
# words, paths and versions in 612 of the 665 Debian changelogs on the build machine, and in file mode they only
# look inside quotes, which prose uses for words. IPPublicDetector took versions such as 3.16.2.1 for addresses in
# 126 of those changelogs; it and BasicAuthDetector are covered, with exact offsets, by the validated ip_address and
# url_credentials patterns. PrivateKeyDetector fires on a "BEGIN ... PRIVATE KEY" header alone (prose about keys);
# the private_key pattern finds whole blocks.
SECRET_PLUGINS = (
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
SECRET_KIND = "api_key"
# The prefilter: every token those detectors match holds a run of at least _RUN of these characters (the shortest,
# an AWS access key id, is 20), which ordinary words, e-mail addresses and dotted host names do not.
_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
_RUN = 20
_RUN_MARK = b"x" * _RUN
_TOKEN_TABLE = bytes(ord("x") if chr(b) in _TOKEN_CHARS else ord(" ") for b in range(256))
# Characters of line kept on each side of a run: the keyword-anchored detectors (AWS secret keys, Cloudant, IBM)
# look for "aws ... key" within about 40 characters before the value.
_CONTEXT = 80
# What a reported token is widened over: some detectors report only a prefix group ("ghp", "glpat") or leave a
# JWT's signature out; the finding covers the whole token.
_WIDEN = set(_TOKEN_CHARS + ".~")
_plugins_lock = threading.Lock()


@lru_cache(maxsize=1)
def _secret_plugins() -> tuple:
    from detect_secrets.settings import get_plugins, transient_settings

    with _plugins_lock, transient_settings({"plugins_used": [{"name": name} for name in SECRET_PLUGINS]}):
        plugins = tuple(p for p in get_plugins() if type(p).__name__ in SECRET_PLUGINS)
    missing = set(SECRET_PLUGINS) - {type(p).__name__ for p in plugins}
    if missing:
        raise RuntimeError(f"detect-secrets has no plugin {', '.join(sorted(missing))}")
    return plugins


def secret_segments(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` worth a secret detector: each run of ``_RUN`` token characters with ``_CONTEXT`` characters
    of its line on each side, widened to whitespace, merged where they touch. Most documents have none."""
    # one byte per character ("?" for anything outside ASCII, which no token holds), so offsets carry over
    marks = text.encode("ascii", "replace").translate(_TOKEN_TABLE)
    at = marks.find(_RUN_MARK)
    segments: list[tuple[int, int]] = []
    while at != -1:
        end = marks.find(b" ", at)
        end = len(text) if end == -1 else end
        # the line's ends, looked for within the context only (a long line with many runs stays linear)
        lo, hi = max(0, at - _CONTEXT), min(len(text), end + _CONTEXT)
        newline = text.rfind("\n", lo, at)
        lo = newline + 1 if newline != -1 else _space_before(text, lo) if lo > 0 else 0
        newline = text.find("\n", end, hi)
        hi = newline if newline != -1 else _space_from(text, hi) if hi < len(text) else len(text)
        if segments and lo <= segments[-1][1]:
            segments[-1] = (segments[-1][0], max(hi, segments[-1][1]))
        else:
            segments.append((lo, hi))
        at = marks.find(_RUN_MARK, end)
    return segments


def _widen(segment: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and segment[start - 1] in _WIDEN:
        start -= 1
    while end < len(segment) and segment[end] in _WIDEN:
        end += 1
    while end > start + 1 and segment[end - 1] == ".":  # a sentence's full stop is not part of the token
        end -= 1
    return start, end


def _detected_spans(segment: str) -> list[tuple[int, int]]:
    spans = []
    for plugin in _secret_plugins():
        # analyze_string is the detector's own verdict (a JWT must decode, say); its patterns give the offsets
        confirmed = set(plugin.analyze_string(segment))
        if not confirmed:
            continue
        for regex in plugin.denylist:
            for m in regex.finditer(segment):
                groups = [g for g in range(1, (regex.groups or 0) + 1) if m.group(g)] or [0]
                spans += [_widen(segment, *m.span(g)) for g in groups if m.group(g) in confirmed]
    return spans


def find_secrets(text: str) -> list[PiiFinding]:
    """Tokens detect-secrets' ``SECRET_PLUGINS`` find, only in ``secret_segments``; overlapping ones merged."""
    spans = sorted((lo + s, lo + e) for lo, hi in secret_segments(text) for s, e in _detected_spans(text[lo:hi]))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return [PiiFinding(SECRET_KIND, s, e) for s, e in merged]


# Where a detected token overlaps a pattern's finding, these kinds keep theirs (they already cover the whole
# value); any other (an "e-mail" or "phone" inside a token) gives way to the token.
_OUTRANK_SECRETS = ("url_credentials", "private_key", "api_key")


def _merge(found: list[PiiFinding], secrets: list[PiiFinding]) -> list[PiiFinding]:
    if not secrets:
        return found
    strong = [f for f in found if f.kind in _OUTRANK_SECRETS]
    secrets = [s for s in secrets if not any(s.start < f.end and f.start < s.end for f in strong)]
    kept = [
        f for f in found if f.kind in _OUTRANK_SECRETS or not any(f.start < s.end and s.start < f.end for s in secrets)
    ]
    return sorted(kept + secrets, key=lambda f: f.start)


def redact(text: str, findings: list[PiiFinding] | None = None) -> tuple[str, list[PiiFinding]]:
    """Replace each finding by ``[KIND]``; returns the new text and the findings at their new offsets."""
    findings = find_pii(text) if findings is None else findings
    out, moved, pos, shift = [], [], 0, 0
    for f in findings:
        tag = f"[{f.kind.upper()}]"
        out.append(text[pos : f.start])
        moved.append(PiiFinding(f.kind, f.start + shift, f.start + shift + len(tag)))
        out.append(tag)
        shift += len(tag) - (f.end - f.start)
        pos = f.end
    out.append(text[pos:])
    return "".join(out), moved


MASK_FILL = "*"


def mask_span(span: str, kind: str) -> str:
    """``span`` masked: ``[KIND]`` then ``*`` up to the span's length, its whitespace kept in place. A span shorter
    than its tag (``a@b.io``) still gets the whole tag: which kind was there matters more than a few characters."""
    tag = f"[{kind.upper()}]"
    return tag + "".join(c if c.isspace() else MASK_FILL for c in span[len(tag) :])


def mask_pii(text: str, findings: list[PiiFinding] | None = None) -> str:
    """``text`` with each finding masked by ``mask_span``: unlike ``redact`` the length, the offsets and the line
    structure stay as they were (but for findings shorter than their tag), so length features (drift, token
    counts) of masked text still hold."""
    findings = find_pii(text) if findings is None else findings
    if not findings:
        return text
    out, pos = [], 0
    for f in findings:
        out += [text[pos : f.start], mask_span(text[f.start : f.end], f.kind)]
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def masked_for_training(records: list) -> list:
    """The records a gate kept, with personal data and secrets in text and source masked by pattern (not by this
    process's known secrets: the kept data must not depend on who runs the gate), so that no model, tokenizer
    vocabulary, input example or drift reference holds them."""
    import dataclasses

    return [dataclasses.replace(r, text=mask_pii(r.text), source=mask_pii(r.source)) for r in records]
