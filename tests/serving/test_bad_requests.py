"""The bad-input corpus for the serving app: malformed POST /predict requests over real loopback HTTP.

Each must get a 4xx with a one-line JSON error, within a timeout, with nothing written to the inference log;
the app keeps answering good requests afterwards.
"""

from __future__ import annotations

import json

import httpx
import pytest

from longloop.settings.params import ServingParams
from tests.refusal_counts import BAD_INPUTS, count

LIMIT = 20_000


def _docs(*docs) -> bytes:
    return json.dumps({"documents": list(docs)}).encode()


CASES = [
    # (case id, body bytes, status, needle in the error)
    ("truncated-json", b'{"documents": [{"text": "abc', 422, ""),
    ("empty-body", b"", 422, ""),
    ("json-null", b"null", 422, ""),
    ("json-list", b'[{"text": "a"}]', 422, ""),
    ("json-string", b'"documents"', 422, ""),
    ("no-documents", _docs(), 422, "documents"),
    ("documents-not-a-list", b'{"documents": "text"}', 422, "documents"),
    ("text-wrong-type", _docs({"text": 5}), 422, "documents.0.text"),
    ("text-null", _docs({"text": None}), 422, "documents.0.text"),
    ("text-empty", _docs({"text": ""}), 422, "documents.0.text"),
    ("text-whitespace", _docs({"text": " \n\t "}), 422, "only whitespace"),
    ("text-nul", _docs({"text": "a\u0000b"}), 422, "control characters"),
    ("text-escape-sequence", _docs({"text": "red \u001b[31m alert"}), 422, "control characters"),
    ("text-lone-surrogate", b'{"documents": [{"text": "half \\ud800 of a pair"}]}', 422, "documents.0.text"),
    ("text-raw-control-in-json", b'{"documents": [{"text": "a\x01b"}]}', 422, ""),
    ("text-float-overflow", b'{"documents": [{"text": 1e400}]}', 422, "documents.0.text"),
    ("id-too-long", _docs({"id": "i" * 201, "text": "ok"}), 422, "documents.0.id"),
    ("id-wrong-type", _docs({"id": ["a"], "text": "ok"}), 422, "documents.0.id"),
    ("id-newline", _docs({"id": "a\nb", "text": "ok"}), 422, "documents.0.id"),
    ("label-given", _docs({"text": "ok", "label": "never-trained"}), 422, "documents.0.label"),
    ("unknown-top-level-key", json.dumps({"documents": [{"text": "ok"}], "model": "other"}).encode(), 422, "model"),
    ("invalid-utf8", b'{"documents": [{"text": "\xff\xfe"}]}', 400, ""),
    ("deep-nesting", b"[" * 5000 + b"]" * 5000, 4, ""),
    ("too-many-documents", _docs(*[{"text": "x"}] * 9), 413, "over the limit of 8"),
    ("huge-field", _docs({"text": "x" * 30_000}), 413, "over the limit"),
]


@pytest.fixture
def server(start_app):
    return start_app(
        ServingParams(
            max_request_bytes=LIMIT,
            max_documents_per_request=8,
            refresh_seconds=0.3,
            batch_wait_ms=20,
            rate_limit_per_second=None,
        )
    )


def _check_refused(r: httpx.Response, status: int, needle: str, log) -> None:
    if status < 10:  # only the class is fixed (400 or 422 depending on the parser's error)
        assert 400 <= r.status_code < 500, r.text
    else:
        assert r.status_code == status, r.text
    error = r.json()["error"]
    assert isinstance(error, str) and "\n" not in error and "Traceback" not in r.text
    assert needle in error, error
    assert not log.exists() or log.read_text() == ""


def test_the_corpus_is_big_enough():
    assert len(CASES) + 5 >= 30 and len({c[0] for c in CASES}) == len(CASES)


def test_malformed_requests_get_a_one_line_4xx_and_log_nothing(server):
    url, _, log = server
    with httpx.Client(timeout=30) as client:
        for _name, body, status, needle in CASES:
            r = client.post(f"{url}/predict", content=body, headers={"content-type": "application/json"})
            _check_refused(r, status, f"{needle}", log)
            count(BAD_INPUTS)

        # a chunked upload carries no Content-Length: the body limit must hold all the same
        def chunks():
            yield b'{"documents": [{"text": "'
            for _ in range(50):
                yield b"y" * 1000
            yield b'"}]}'

        _check_refused(
            client.post(f"{url}/predict", content=chunks(), headers={"content-type": "application/json"}),
            413,
            "over the limit",
            log,
        )
        count(BAD_INPUTS)
        _check_refused(
            client.post(f"{url}/predict", content=b"not json", headers={"content-type": "text/plain"}), 422, "", log
        )
        count(BAD_INPUTS)
        _check_refused(
            client.post(f"{url}/predict", json={"documents": [None, {"text": "ok"}]}), 422, "documents.0", log
        )
        count(BAD_INPUTS)
        _check_refused(client.get(f"{url}/predict"), 405, "", log)
        count(BAD_INPUTS)
        _check_refused(client.post(f"{url}/../../etc/passwd", content=_docs({"text": "ok"})), 404, "", log)
        count(BAD_INPUTS)

        ok = client.post(f"{url}/predict", json={"documents": [{"id": "d", "text": "still answering"}]})
        assert ok.status_code == 200 and ok.json()["predictions"][0]["id"] == "d"
