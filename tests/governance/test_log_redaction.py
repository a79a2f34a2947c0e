"""Every log record passes through redaction, whatever logger made it and whatever handler prints it."""

import io
import logging
import subprocess
import sys
from pathlib import Path

from longloop.governance.log_redaction import install_log_redaction
from longloop.governance.redaction import register_secret

API_KEY = "sk-proj0123456789abcdefghijkl"
CARD = "4111 1111 1111 1111"
KEY_BLOCK = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVW\n-----END EC PRIVATE KEY-----"
TOKEN = "bearer-value-with-no-pattern-42"


def _capture(name: str) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, out


def test_messages_arguments_and_tracebacks_are_redacted():
    install_log_redaction()
    install_log_redaction()  # a second call changes nothing
    register_secret(TOKEN)
    log, out = _capture("longloop.test.redaction")
    log.info("record holds %s and %s", API_KEY, CARD)
    log.warning(f"inline {KEY_BLOCK} and token {TOKEN} for jane@example.org")
    try:
        raise ValueError(f"could not parse {API_KEY}")
    except ValueError:
        log.exception("failed for %s", "jane@example.org")
    text = out.getvalue()
    for raw in (API_KEY, CARD, "MHcCAQEEIBkg4LVW", TOKEN, "jane@example.org"):
        assert raw not in text, raw
    for marker in ("[API_KEY]", "[PAYMENT_CARD]", "[PRIVATE_KEY]", "[SECRET]", "[EMAIL]", "ValueError"):
        assert marker in text, marker


def test_a_clean_record_keeps_its_template_and_arguments():
    # Formatters such as uvicorn's access log unpack record.args: they must survive redaction.
    install_log_redaction()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5555", "GET", f"/ready?key={API_KEY}", "1.1", 200),
        None,
    )
    assert record.msg == '%s - "%s %s HTTP/%s" %d' and len(record.args) == 5 and record.args[4] == 200
    assert API_KEY not in record.getMessage() and "/ready?key=[API_KEY]" in record.getMessage()


def test_warnings_pass_through_logging_and_are_redacted():
    # In a process of its own: pytest records warnings itself, which would bypass what is tested here.
    code = (
        "import warnings; from longloop.governance.log_redaction import install_log_redaction; "
        "install_log_redaction(); "
        "warnings.warn('connection to http://user:pa55word1@db.example.com failed')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr
    assert "pa55word1" not in proc.stderr and "db.example.com failed" in proc.stderr
