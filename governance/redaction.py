"""Text that leaves the process (logs, the MLflow store, the inference log) with secrets and personal data
taken out: values the process knows to be secret, bearer credentials, and everything ``governance.pii`` finds.

Known secrets are values the command line registers at start-up (a serving token, a tracking password, any
environment variable named like a secret); they are matched literally, since a random token has no pattern.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from longloop.governance.pii import PiiFinding, find_pii, mask_pii, mask_span, redact

SECRET_TAG = "[SECRET]"
# Shorter values are too likely to be ordinary words or numbers found everywhere in the logs.
MIN_SECRET_CHARS = 8
# Environment variables whose values are secrets by their name.
SECRET_NAME = re.compile(
    r"(?i)(?:^|_)(?:token|secret|passw(?:or)?d|api_?key|private_?key|credentials?|auth_?string|"
    r"auth_?token|access_?key)(?:_|$)"
)
# "Authorization: Bearer <token>" and the like, wherever such a header is printed.
_AUTH_HEADER_VALUE = re.compile(r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/-]{8,}=*|(?<=\bbasic )[A-Za-z0-9+/]{8,}=*")

_known: set[str] = set()
_known_lock = threading.Lock()
_by_length: tuple[str, ...] = ()  # longest first, so that a secret containing another is replaced whole


def register_secret(value: str | None) -> None:
    """From now on, ``value`` is redacted wherever this module redacts (values under 8 characters are ignored)."""
    global _by_length
    if not value or len(value.strip()) < MIN_SECRET_CHARS:
        return
    value = value.strip()
    with _known_lock:
        _known.update({value, quote(value, safe="")})  # as given, and as written inside a URL
        _by_length = tuple(sorted(_known, key=len, reverse=True))


def secret_values_in_environment(environ: Mapping[str, str]) -> list[str]:
    """Values of variables named like secrets, and passwords written into URL-valued variables."""
    found = [v for k, v in environ.items() if SECRET_NAME.search(k)]
    found += [
        password for v in environ.values() if "://" in v for password in [split_url_credentials(v)[2]] if password
    ]
    return found


def split_url_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``(url without user:password, user, password)``; the user and password are percent-decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None, None
    if not parts.scheme or "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return (urlunsplit(parts._replace(netloc=hostport)), unquote(user) or None, unquote(password) or None)


def _worth_hiding(text: str, finding: PiiFinding) -> bool:
    # The loopback and unspecified addresses in server URLs ("http://127.0.0.1:4200") say nothing about anyone.
    if finding.kind != "ip_address":
        return True
    try:
        address = ipaddress.ip_address(text[finding.start : finding.end])
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


def _findings(text: str) -> list[PiiFinding]:
    return [f for f in find_pii(text) if _worth_hiding(text, f)]


def _without_known_secrets(text: str, replace) -> str:
    for secret in _by_length:
        if secret in text:
            text = text.replace(secret, replace(secret))
    return _AUTH_HEADER_VALUE.sub(lambda m: replace(m.group(0)), text)


def redact_text(text: str) -> str:
    """Known secrets and credentials become ``[SECRET]``, personal data ``[KIND]`` (for logs and the MLflow store)."""
    text = _without_known_secrets(text, lambda _: SECRET_TAG)
    return redact(text, _findings(text))[0]


def mask_text(text: str) -> str:
    """Like ``redact_text`` but at the same length, every offset kept (for text whose lengths are measured)."""
    text = _without_known_secrets(text, lambda s: mask_span(s, "secret"))
    return mask_pii(text, _findings(text))


def redact_structure(value):
    """Every string in a JSON-like value (dict keys included) through ``redact_text``; other values unchanged."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {redact_structure(k): redact_structure(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_structure(v) for v in value)
    return value
