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
    assert [red[f.start : f.end] for f in moved] == ["[EMAIL]", "[PHONE]"]


def test_a_long_private_key_block_is_found_whole_by_the_prefiltered_scan():
    from longloop.governance.pii import find_pii, find_pii_full

    body = "\n".join(["QkVHSUxvcGVuc" * 5] * 30)  # 2,000 characters without a trigger between the markers
    text = (
        "intro words here "
        + "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + body
        + "\n-----END OPENSSH PRIVATE KEY-----"
        + " mail me at someone@example.org "
        + "filler " * 300
        + " call +44 20 7946 0958 now"
    )
    found = find_pii(text)
    assert found == find_pii_full(text)
    assert [f.kind for f in found] == ["private_key", "email", "phone"]
    assert text[found[0].start : found[0].end].endswith("-----END OPENSSH PRIVATE KEY-----")


# Tokens are assembled at run time: a literal one in the repository would trip push-time secret scanners.
def _token_samples():
    import base64
    import json
    import random

    rng = random.Random(5)

    def chars(alphabet, n):
        return "".join(rng.choice(alphabet) for _ in range(n))

    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    b64url = lambda obj: base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")  # noqa: E731
    jwt = ".".join(
        [b64url({"alg": "HS256", "typ": "JWT"}), b64url({"sub": "1234567890", "name": "Jo"}), chars(alnum + "-_", 43)]
    )
    return {
        "jwt": jwt,
        "stripe": "sk_" + "live_" + chars(alnum, 24),
        "slack": "xox" + "b-" + chars("0123456789", 12) + "-" + chars("0123456789", 13) + "-" + chars(alnum, 24),
        "gitlab": "glpat" + "-" + chars(alnum, 20),
        "npm": "npm" + "_" + chars(alnum, 36),
        "github": "gh" + "p_" + chars(alnum, 36),
        "twilio": "AC" + chars("0123456789abcdef", 32),
        "sendgrid": "SG." + chars(alnum, 22) + "." + chars(alnum, 43),
        "telegram": chars("0123456789", 9) + ":" + chars(alnum, 35),
        "mailchimp": chars("0123456789abcdef", 32) + "-us" + "12",
        "square": "sq0" + "csp-" + chars(alnum, 43),
        "discord": "M" + chars(alnum, 23) + "." + chars(alnum, 6) + "." + chars(alnum, 27),
    }


def test_detect_secrets_token_formats_are_found_whole():
    from longloop.governance.pii import find_pii, find_pii_full

    for name, token in _token_samples().items():
        for text in (f"the value {token} was pasted here.", f"écrit: « {token} » dans le ticket", token):
            found = find_pii(text)
            assert found == find_pii_full(text), name
            assert [(f.kind, text[f.start : f.end]) for f in found] == [("api_key", token)], name


def test_keyword_anchored_secrets_and_config_lines():
    from longloop.governance.pii import find_pii

    aws_secret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
    text = f'settings: aws_secret_access_key = "{aws_secret}" in the bucket config'
    assert [text[f.start : f.end] for f in find_pii(text)] == [aws_secret]
    npmrc = "//registry.npmjs.org/:_authToken=" + "npm_" + "x7" * 18
    assert [f.kind for f in find_pii(f"the .npmrc had {npmrc}\nand more")] == ["api_key"]
    pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0" + "Qk" * 30 + "\n-----END PGP PRIVATE KEY BLOCK-----"
    assert [f.kind for f in find_pii("key follows\n" + pgp + "\nend")] == ["private_key"]


def test_redaction_covers_a_detected_token():
    token = _token_samples()["jwt"]
    red, moved = redact(f"Authorization header {token}. Reach me at a@b.io")
    assert red == "Authorization header [API_KEY]. Reach me at [EMAIL]"
    assert [red[f.start : f.end] for f in moved] == ["[API_KEY]", "[EMAIL]"]


def test_the_prefilter_sends_only_token_like_runs():
    from longloop.governance.pii import find_secrets, secret_segments

    prose = "Fixed the build with gcc 14 (Closes: #1023456); see https://bugs.debian.org/1023456.\n" * 50
    assert secret_segments(prose) == []
    token = _token_samples()["stripe"]
    text = prose + f"leaked {token} once\n" + prose
    ((lo, hi),) = secret_segments(text)
    assert token in text[lo:hi] and "\n" not in text[lo:hi]
    assert [text[f.start : f.end] for f in find_secrets(text)] == [token]


def test_detect_secrets_global_settings_are_left_as_they_were():
    from detect_secrets.settings import get_settings

    from longloop.governance.pii import find_secrets

    before = get_settings().json()
    find_secrets("x " + _token_samples()["github"])
    assert get_settings().json() == before


def test_debian_changelogs_are_not_flagged_as_secrets():
    """Real prose full of versions, paths, URLs, hashes and e-mail trailers: the token detectors stay quiet."""
    import glob
    import gzip

    from longloop.governance.pii import find_secrets

    files = sorted(glob.glob("/usr/share/doc/*/changelog.Debian.gz"))
    assert len(files) >= 100, f"only {len(files)} Debian changelogs: the corpus this test needs is missing"
    flagged = {}
    for path in files:
        with gzip.open(path) as f:
            text = f.read().decode("utf-8", "replace")
        found = find_secrets(text)
        if found:
            flagged[path] = [text[s.start : s.end] for s in found[:3]]
    assert len(flagged) <= len(files) // 100, flagged
