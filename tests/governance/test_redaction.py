"""Redaction of text that leaves the process: known secrets, bearer credentials, personal data."""

from longloop.governance.pii import find_pii, find_pii_full, mask_pii
from longloop.governance.redaction import (
    mask_text,
    redact_structure,
    redact_text,
    register_secret,
    secret_values_in_environment,
    split_url_credentials,
)

PLANTED = (
    "mail jane.doe@example.org, card 4111 1111 1111 1111, key sk-live0123456789abcdefABCDEF and "
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY----- via "
    "https://admin:hunter2hunter2@mlflow.example.com/api"
)
RAW = (
    "jane.doe@example.org",
    "4111 1111 1111 1111",
    "sk-live0123456789abcdefABCDEF",
    "MIIEowIBAAKCAQEA7",
    "hunter2hunter2",
)


def test_masking_keeps_every_offset_and_marks_the_kind():
    masked = mask_pii(PLANTED)
    assert len(masked) == len(PLANTED) and masked.count("\n") == PLANTED.count("\n")
    assert not any(raw in masked for raw in RAW)
    for marker in ("[EMAIL]", "[PAYMENT_CARD]", "[API_KEY]", "[PRIVATE_KEY]"):
        assert marker in masked
    # Text around the findings is untouched, at the same place.
    assert masked.startswith("mail ") and masked.endswith("@mlflow.example.com/api")


def test_url_credentials_are_found_by_both_scans():
    text = "tracking at http://user:s3cretpass@10.1.2.3:5000/ and mail a.b@example.com"
    assert [f.kind for f in find_pii(text)] == ["url_credentials", "ip_address", "email"]
    assert find_pii(text) == find_pii_full(text)
    assert split_url_credentials("http://user:s3cret%40x@host:5000/p?q=1") == (
        "http://host:5000/p?q=1",
        "user",
        "s3cret@x",
    )
    assert split_url_credentials("sqlite:///tmp/mlflow.db") == ("sqlite:///tmp/mlflow.db", None, None)


def test_redact_text_hides_registered_secrets_and_bearer_tokens_but_not_loopback_addresses():
    register_secret("opaque-token-without-any-pattern")
    register_secret("short")  # too short to be told from ordinary words: ignored
    line = (
        "GET http://127.0.0.1:4200/api with Authorization: Bearer abcDEF123456789xyz token "
        "opaque-token-without-any-pattern from 203.0.113.190, short answer"
    )
    clean = redact_text(line)
    assert "opaque-token-without-any-pattern" not in clean and "abcDEF123456789xyz" not in clean
    assert "[SECRET]" in clean and "[IP_ADDRESS]" in clean and "http://127.0.0.1:4200" in clean
    assert "short answer" in clean
    masked = mask_text(line)
    assert len(masked) == len(line) and "opaque-token-without-any-pattern" not in masked


def test_secret_values_come_from_secret_like_names_and_url_passwords():
    environ = {
        "LONGLOOP_SERVING_TOKEN": "tok-1234567890",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
        "MLFLOW_TRACKING_URI": "http://u:urlpassword@host",
        "HOME": "/home/someone",
        "GIT_AUTHOR_NAME": "Jane Doe",
        "PATH": "/usr/bin",
    }
    assert sorted(secret_values_in_environment(environ)) == ["aws-secret-value", "tok-1234567890", "urlpassword"]


def test_redact_structure_reaches_keys_and_nested_values():
    card = {"sources": {"crawl by jane.doe@example.org": 3}, "reasons": ["pii in 4111 1111 1111 1111"], "n": 5}
    clean = redact_structure(card)
    assert clean == {"sources": {"crawl by [EMAIL]": 3}, "reasons": ["pii in [PAYMENT_CARD]"], "n": 5}
