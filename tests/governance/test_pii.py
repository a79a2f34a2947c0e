from governance.pii import find_pii, redact


def _kinds(text):
    return [f.kind for f in find_pii(text)]


def test_finds_each_kind():
    assert _kinds("mail jane.doe@example.org now") == ["email"]
    assert _kinds("call +1 415 555 0134 today") == ["phone"]
    assert _kinds("card 4111 1111 1111 1111 ok") == ["payment_card"]
    assert _kinds("card 4111 1111 1111 1112 ok") == []  # fails the Luhn check
    assert _kinds("iban GB82 WEST 1234 5698 7654 32") == ["iban"]
    assert _kinds("from 192.168.10.4 and 999.1.1.1") == ["ip_address"]
    assert _kinds("key AKIAIOSFODNN7EXAMPLE here") == ["api_key"]
    assert _kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----") == ["private_key"]
    assert _kinds("plain words only, 2024 and 12 items") == []


def test_redaction_keeps_offsets_consistent():
    text = "write to a@b.io or call +1 415 555 0134."
    red, moved = redact(text)
    assert red == "write to [EMAIL] or call [PHONE]."
    assert [red[f.start:f.end] for f in moved] == ["[EMAIL]", "[PHONE]"]
