from pathlib import Path

import pytest

from longloop.settings.params import ConfigError, load_params, parse_params
from longloop.settings.spdx import canonical_expression


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("MPL-1.1+", "MPL-1.1+"),
        ("ISC", "ISC"),
        ("0BSD", "0BSD"),
        ("Unlicense", "Unlicense"),
        ("MIT-0", "MIT-0"),
        ("BSL-1.0", "BSL-1.0"),
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
        ("(MIT OR ISC) AND 0BSD", "(MIT OR ISC) AND 0BSD"),
        ("MIT and (isc or 0bsd)", "MIT AND (ISC OR 0BSD)"),
        ("LicenseRef-Acme-1.0", "LicenseRef-Acme-1.0"),
        ("DocumentRef-spdx-tool:LicenseRef-X", "DocumentRef-spdx-tool:LicenseRef-X"),
        ("GPL-2.0-or-later WITH AdditionRef-Acme", "GPL-2.0-or-later WITH AdditionRef-Acme"),
    ],
)
def test_canonical_spdx_expressions(text, canonical):
    assert canonical_expression(text) == canonical


@pytest.mark.parametrize(
    "text, reason",
    [
        ("MITT", "unknown license id MITT"),
        ("Apache2.0", "unknown license id Apache2.0"),
        ("MIT WITH Made-Up-exception", "Made-Up-exception is not an SPDX license exception"),
        ("LLVM-exception", "is a license exception"),
        ("MIT AND", "ends where a license was expected"),
        ("(MIT OR ISC", "parenthesis is not closed"),
        ("MIT ISC", "unexpected 'ISC'"),
        ("", "empty"),
        ("(MIT OR ISC) WITH LLVM-exception", "WITH applies to one license"),
    ],
)
def test_rejects_what_is_not_spdx(text, reason):
    with pytest.raises(ValueError, match=reason):
        canonical_expression(text)


@pytest.mark.parametrize(
    "licenses, message",
    [
        (
            {"allow": ["MIT", "Apache2.0"]},
            "governance.licenses.allow: Value error, 'Apache2.0' is not an SPDX license id",
        ),
        ({"deny": ["MITT"]}, "governance.licenses.deny: Value error, 'MITT' is not an SPDX license id"),
        (
            {"allow": ["MIT WITH Made-Up-exception"]},
            "governance.licenses.allow: Value error, 'MIT WITH Made-Up-exception'",
        ),
        ({"allow": ["MIT"], "deny": ["mit"]}, "governance.licenses: Value error, MIT both allowed and denied"),
    ],
)
def test_a_policy_typo_is_a_one_line_config_error(licenses, message):
    with pytest.raises(ConfigError) as err:
        parse_params({"governance": {"licenses": licenses}})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_every_spdx_form_is_accepted_in_the_policy():
    allow = [
        "ISC",
        "0BSD",
        "Unlicense",
        "MIT-0",
        "BSL-1.0",
        "LicenseRef-Inhouse",
        "Apache-2.0 WITH LLVM-exception",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "MPL-2.0 OR MIT",
        "mit",
    ]
    policy = parse_params({"governance": {"licenses": {"allow": allow, "deny": ["GPL-3.0+"]}}}).governance.licenses
    assert policy.allow == tuple(allow)  # kept as written; the judge compares canonical forms


def test_the_shipped_params_yaml_passes():
    load_params(Path(__file__).resolve().parents[2] / "params.yaml")
