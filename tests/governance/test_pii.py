from longloop.governance.pii import find_pii, redact


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


def test_a_long_private_key_block_is_found_whole_by_the_prefiltered_scan():
    from longloop.governance.pii import find_pii, find_pii_full

    body = "\n".join(["QkVHSUxvcGVuc" * 5] * 30)  # 2,000 characters without a trigger between the markers
    text = "intro words here " + "-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n-----END OPENSSH PRIVATE KEY-----" \
        + " mail me at someone@example.org " + "filler " * 300 + " call +44 20 7946 0958 now"
    found = find_pii(text)
    assert found == find_pii_full(text)
    assert [f.kind for f in found] == ["private_key", "email", "phone"]
    assert text[found[0].start:found[0].end].endswith("-----END OPENSSH PRIVATE KEY-----")
