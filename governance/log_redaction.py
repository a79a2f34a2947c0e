"""Redaction of every log record in the process, before any handler sees it.

A ``logging.Filter`` on a handler only sees what reaches that handler, and Prefect, MLflow, DVC and uvicorn each
bring their own handlers (Prefect's also ships records to its API). The record factory is the one place every
record passes, whatever logger made it, so redaction is installed there: the message, its arguments and the
traceback are redacted when the record is created. Warnings printed the standard way are redacted as they are
formatted (and those a library routes into logging pass through the factory).
"""

from __future__ import annotations

import logging
import warnings

from longloop.governance.redaction import redact_text

_installed = False


def _redacted_arg(arg):
    if isinstance(arg, (int, float, bool)) or arg is None:
        return arg  # a "%d" placeholder must keep its number
    text = arg if isinstance(arg, str) else str(arg)
    clean = redact_text(text)
    return arg if clean == text else clean


def redact_record(record: logging.LogRecord) -> None:
    """Redact ``record`` in place; a record with nothing to hide keeps its message template and arguments."""
    if record.args:
        # Argument by argument first: formatters such as uvicorn's access log unpack ``record.args``.
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted_arg(v) for k, v in record.args.items()}
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is for the logging module to report, not for us to hide
        return
    clean = redact_text(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        trace = logging.Formatter().formatException(record.exc_info)
        clean_trace = redact_text(trace)
        if clean_trace != trace:
            # Formatters print ``exc_text`` when set; without ``exc_info`` none re-renders the raw traceback.
            record.exc_info, record.exc_text = None, clean_trace


def install_log_redaction() -> None:
    """Redact every log record (and every warning) this process makes from now on; calling again does nothing."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_redacted_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(make_redacted_record)
    format_warning = warnings.formatwarning

    def format_redacted_warning(message, category, filename, lineno, line=None) -> str:
        return redact_text(format_warning(message, category, filename, lineno, line))

    warnings.formatwarning = format_redacted_warning
    _installed = True
